/**
 * The Lambda's CloudWatch metrics: Embedded Metric Format records on stdout,
 * one per batch, from the real `handler` entry and from publishBatchMetrics.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { createMetrics, measureDocument, publishBatchMetrics } from '../../lambda/metrics';
import type { ObjectStore } from '../../lambda/store/types';

interface Emf {
  _aws: { Timestamp: number; CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string; Unit: string }[] }[] };
  service: string;
  [metric: string]: unknown;
}

/** When the last captureEmf ran: its records' timestamps must fall inside (no tolerance to guess). */
let captured = { from: 0, to: 0 };

/** Runs `fn` and returns the EMF records it printed on stdout. */
async function captureEmf(fn: () => Promise<unknown> | unknown): Promise<Emf[]> {
  const lines: string[] = [];
  const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    lines.push(...String(chunk).split('\n'));
    return true;
  });
  const from = Date.now();
  try {
    await fn();
  } finally {
    spy.mockRestore();
  }
  captured = { from, to: Date.now() };
  return lines.filter((l) => l.startsWith('{') && l.includes('"_aws"')).map((l) => JSON.parse(l) as Emf);
}

const UNITS: Record<string, string> = {
  Batches: 'Count',
  Commands: 'Count',
  Commits: 'Count',
  Conflicts: 'Count',
  UnknownOutcomes: 'Count',
  NotApplied: 'Count',
  S3Gets: 'Count',
  S3Puts: 'Count',
  BatchDurationMs: 'Milliseconds',
  DocumentBytes: 'Bytes',
};

function expectShape(emf: Emf, withDocumentBytes = true): void {
  expect(emf._aws.CloudWatchMetrics).toHaveLength(1);
  const def = emf._aws.CloudWatchMetrics[0];
  expect(def.Namespace).toBe('Valthree');
  expect(def.Dimensions).toEqual([['service']]);
  expect(emf.service).toBe('valthree');
  const expected = Object.entries(UNITS).filter(([n]) => withDocumentBytes || n !== 'DocumentBytes');
  expect(Object.fromEntries(def.Metrics.map((m) => [m.Name, m.Unit]))).toEqual(Object.fromEntries(expected));
  for (const [name] of expected) expect(typeof emf[name]).toBe('number');
  // Stamped when it was published, i.e. during the capture.
  expect(emf._aws.Timestamp).toBeGreaterThanOrEqual(captured.from);
  expect(emf._aws.Timestamp).toBeLessThanOrEqual(captured.to);
}

const saved = { dev: process.env.POWERTOOLS_DEV, disabled: process.env.POWERTOOLS_METRICS_DISABLED };
beforeAll(() => {
  // Either would turn the records off or redirect them.
  delete process.env.POWERTOOLS_DEV;
  delete process.env.POWERTOOLS_METRICS_DISABLED;
});
afterAll(() => {
  if (saved.dev !== undefined) process.env.POWERTOOLS_DEV = saved.dev;
  if (saved.disabled !== undefined) process.env.POWERTOOLS_METRICS_DISABLED = saved.disabled;
});

const req = (...commands: string[][]): BatchRequest => ({
  v: CONTRACT_VERSION,
  batchId: `b-${Math.random().toString(36).slice(2)}`,
  sessions: [{ id: '0', commands: commands.map((argv) => argv.map((a) => encodeArg(Buffer.from(a)))) }],
});

describe('publishBatchMetrics', () => {
  test('a committed batch: counts from its stats, duration, document size', async () => {
    const metrics = createMetrics();
    const request = req(['SET', 'a', '1'], ['GET', 'a'], ['DEL', 'b']);
    const res: BatchResponse = { v: CONTRACT_VERSION, batchId: request.batchId, ok: true, sessions: [], stats: { s3Gets: 2, s3Puts: 2, conflicts: 1, keys: 1, replayed: false } };
    const [emf, ...rest] = await captureEmf(() => publishBatchMetrics(metrics, { req: request, res, durationMs: 12.5, documentBytes: 4242 }));
    expect(rest).toEqual([]);
    expectShape(emf);
    expect(emf).toMatchObject({ Batches: 1, Commands: 3, Commits: 1, Conflicts: 1, UnknownOutcomes: 0, NotApplied: 0, S3Gets: 2, S3Puts: 2, BatchDurationMs: 12.5, DocumentBytes: 4242, batchId: request.batchId });
  });

  test('failed batches: UnknownOutcomes or NotApplied, no commit; no size yet, no DocumentBytes', async () => {
    const metrics = createMetrics();
    const request = req(['SET', 'a', '1']);
    const unknown: BatchResponse = { v: CONTRACT_VERSION, batchId: request.batchId, ok: false, failure: { kind: 'unknown', message: 'timeout' }, stats: { s3Gets: 1, s3Puts: 1, conflicts: 0, keys: 0, replayed: false } };
    const notApplied: BatchResponse = { v: CONTRACT_VERSION, batchId: request.batchId, ok: false, failure: { kind: 'not-applied', message: 'contended' } };
    const records = await captureEmf(() => {
      publishBatchMetrics(metrics, { req: request, res: unknown, durationMs: 3000, documentBytes: null });
      publishBatchMetrics(metrics, { req: request, res: notApplied, durationMs: 1, documentBytes: null });
    });
    expect(records).toHaveLength(2);
    records.forEach((r) => expectShape(r, false));
    expect(records[0]).toMatchObject({ Commits: 0, UnknownOutcomes: 1, NotApplied: 0, S3Puts: 1 });
    expect(records[1]).toMatchObject({ Commits: 0, UnknownOutcomes: 0, NotApplied: 1, S3Gets: 0, S3Puts: 0 });
  });

  test('never throws, even if the metrics library does', () => {
    const broken = createMetrics();
    jest.spyOn(broken, 'addMetric').mockImplementation(() => {
      throw new Error('boom');
    });
    const request = req(['PING']);
    expect(() => publishBatchMetrics(broken, { req: request, res: { v: CONTRACT_VERSION, batchId: 'x', ok: false, failure: { kind: 'not-applied', message: 'm' } }, durationMs: 1, documentBytes: null })).not.toThrow();
  });
});

describe('measureDocument', () => {
  test('remembers the size of the document read or written, not of other keys; 304 keeps it', async () => {
    const bodies = new Map<string, Buffer>();
    const inner: ObjectStore = {
      description: 'memory',
      get: async (k, opts) => {
        const b = bodies.get(k);
        if (!b) return { status: 'absent' };
        return opts?.ifNoneMatch === 'e' ? { status: 'not-modified' } : { status: 'found', body: b, etag: 'e' };
      },
      put: async (k, body) => {
        bodies.set(k, body);
        return { status: 'ok', etag: 'e' };
      },
      delete: async (k) => void bodies.delete(k),
    };
    const m = measureDocument(inner, 'db.json');
    expect(m.bytes()).toBeNull();
    await m.store.get('db.json');
    expect(m.bytes()).toBe(0);
    await m.store.put('db.json', Buffer.alloc(100), { ifNoneMatch: '*' });
    expect(m.bytes()).toBe(100);
    await m.store.put('db.json.probe', Buffer.alloc(7), { ifNoneMatch: '*' });
    await m.store.get('db.json.probe');
    expect(m.bytes()).toBe(100);
    await m.store.get('db.json', { ifNoneMatch: 'e' });
    expect(m.bytes()).toBe(100);
    bodies.set('db.json', Buffer.alloc(55));
    await m.store.get('db.json');
    expect(m.bytes()).toBe(55);
  });
});

describe('the Lambda entry (handler)', () => {
  let dir: string;
  const savedEnv = { ...process.env };
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-emf-'));
    // The entry reads its settings from the environment, as in Lambda.
    delete process.env.VALTHREE_BUCKET;
    process.env.VALTHREE_DATA_DIR = dir;
    process.env.VALTHREE_KEY = 'db.json';
  });
  afterAll(() => {
    process.env = savedEnv;
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('prints one EMF record per batch with what the batch did', async () => {
    const { handler } = await import('../../lambda/main');
    const write = req(['SET', 'k', 'value'], ['SET', 'k2', 'v2']);
    let first: BatchResponse | undefined;
    const [w] = await captureEmf(async () => {
      first = await handler(write);
    });
    expect(first?.ok).toBe(true);
    expectShape(w);
    expect(w).toMatchObject({ Batches: 1, Commands: 2, Commits: 1, Conflicts: 0, UnknownOutcomes: 0, NotApplied: 0, S3Puts: 1, batchId: write.batchId });
    expect(w.DocumentBytes).toBe(fs.statSync(path.join(dir, 'db.json')).size);
    expect(w.BatchDurationMs).toBeGreaterThan(0);

    const read = req(['GET', 'k']);
    const [r] = await captureEmf(() => handler(read));
    expectShape(r);
    expect(r).toMatchObject({ Batches: 1, Commands: 1, Commits: 0, S3Puts: 0, DocumentBytes: w.DocumentBytes });
    expect(r.S3Gets).toBeGreaterThanOrEqual(1);

    // A request the handler refuses is still one batch, not applied.
    const bad = { v: 99, batchId: 'bad', sessions: [] } as unknown as BatchRequest;
    const [b] = await captureEmf(() => handler(bad));
    expect(b).toMatchObject({ Batches: 1, Commands: 0, Commits: 0, NotApplied: 1 });
  });
});
