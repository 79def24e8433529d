/**
 * The file store's durable replace — write a temporary file, fdatasync it,
 * rename it over the target, fsync the directory — run off the event loop.
 *
 * Why a worker thread, not fs's async calls: those are six thread-pool round
 * trips per commit, each waiting for the event loop to come round again
 * (under load, a turn is every connection's reads and writes), so a commit
 * would take several turns. Here the whole sequence is one job, and the
 * event loop keeps serving (the next batch forms) while the disk works.
 *
 * The worker is plain JavaScript passed as a string: the proxy ships as one
 * esbuild bundle, which has no separate file to start a worker from.
 */
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const dirs = new Map();
parentPort.on('message', ({ id, file, tmp, dir, body }) => {
  try {
    const fd = fs.openSync(tmp, 'w');
    try {
      for (let off = 0; off < body.length; ) off += fs.writeSync(fd, body, off);
      fs.fdatasyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    parentPort.postMessage({ id, error: String(e && e.message || e) });
    return;
  }
  // The rename is atomic either way; the directory's fsync makes it durable.
  // Some filesystems cannot fsync a directory: the write has landed regardless.
  try {
    let d = dirs.get(dir);
    if (d === undefined) dirs.set(dir, (d = fs.openSync(dir, 'r')));
    fs.fsyncSync(d);
  } catch {}
  parentPort.postMessage({ id });
});
`;

interface Job {
  body: Buffer;
  file: string;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class DurableWriter {
  private worker: Worker | null = null;
  private readonly jobs = new Map<number, Job>();
  private next = 0;

  /** Replaces `file` with `body` durably; rejects when nothing was replaced. */
  replace(file: string, tmp: string, dir: string, body: Buffer): Promise<void> {
    const w = this.start();
    const id = ++this.next;
    return new Promise((resolve, reject) => {
      this.jobs.set(id, { body, file, resolve, reject });
      // While a write is pending the worker keeps the process alive (a
      // script awaiting a put must not exit half way); idle, it does not.
      if (this.jobs.size === 1) w.ref();
      w.postMessage({ id, file, tmp, dir, body });
    });
  }

  close(): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
    this.orphaned('the store was closed');
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (m: { id: number; error?: string }) => {
      const job = this.jobs.get(m.id);
      if (!job) return;
      this.jobs.delete(m.id);
      if (this.jobs.size === 0) w.unref();
      if (m.error === undefined) job.resolve();
      else job.reject(new Error(m.error));
    });
    const gone = (why: string) => {
      if (this.worker === w) this.worker = null;
      this.orphaned(why);
    };
    w.on('error', (e) => gone(`the writer thread failed: ${e.message}`));
    w.on('exit', () => gone('the writer thread exited'));
    w.unref();
    this.worker = w;
    return w;
  }

  /**
   * Jobs whose worker is gone: it may have renamed before it died. The
   * file itself says which — it holds this body only if the rename happened
   * (each body is a new commit, distinct from every earlier one).
   */
  private orphaned(why: string): void {
    for (const [id, job] of this.jobs) {
      this.jobs.delete(id);
      let landed = false;
      try {
        landed = fs.readFileSync(job.file).equals(job.body);
      } catch {
        landed = false;
      }
      if (landed) job.resolve();
      else job.reject(new Error(why));
    }
  }
}
