/**
 * The RGW booter's promises: without Ceph it fails at once and names the
 * Debian packages (never a silent skip); it leaves no daemon behind, whether
 * its process stops cleanly or dies by SIGKILL (the watchdog's job).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { CephMissingError, startRgw } from '../support/rgw';
import globalSetup from '../support/jest-global-setup';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Polls until cond holds. Whether a process outside our tree is gone has no
 * event to wait for; there is no deadline here either: the test's timeout is
 * the only bound, so a slow machine only makes the test slower.
 */
async function waitUntil(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 100));
}

/** Whether p is already settled once the current microtasks have run (no I/O, no timers). */
async function settledWithoutIo(p: Promise<unknown>): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  // setImmediate runs once the pending microtasks are done, one turn of the
  // event loop later: a promise that waits for a timer, a process or a
  // daemon's port has not settled by then, one that failed outright has.
  await new Promise((r) => setImmediate(r));
  return settled;
}

/** Boots RGW through the CLI in a child process; resolves with its daemons' pids and dir. */
function bootChild(): Promise<{ child: ReturnType<typeof spawn>; pids: number[]; dir: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/rgw.ts'], { stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /logs: (\S+); pids ([\d ]+)\)/.exec(out);
      if (m) resolve({ child, dir: m[1], pids: m[2].trim().split(' ').map(Number) });
    });
    child.once('exit', (code) => reject(new Error(`rgw CLI exited ${code}: ${err.slice(-1000)}`)));
  });
}

describe('Ceph RGW booter', () => {
  test('without Ceph on PATH: fails at once, naming the Debian packages (startRgw and the jest global setup)', async () => {
    const saved = { PATH: process.env.PATH, ENDPOINT: process.env.VALTHREE_TEST_RGW_ENDPOINT };
    process.env.PATH = '/nonexistent';
    delete process.env.VALTHREE_TEST_RGW_ENDPOINT;
    try {
      // "At once": rejected before any process, file or socket is touched,
      // which the check below tells apart without looking at the clock.
      const boot = startRgw();
      const setup = globalSetup();
      expect(await Promise.all([settledWithoutIo(boot), settledWithoutIo(setup)])).toEqual([true, true]);
      await expect(boot).rejects.toBeInstanceOf(CephMissingError);
      await expect(setup).rejects.toThrow('apt-get install -y --no-install-recommends ceph-mon ceph-osd radosgw ceph-common');
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.ENDPOINT !== undefined) process.env.VALTHREE_TEST_RGW_ENDPOINT = saved.ENDPOINT;
    }
  });

  describe('no daemon outlives its booter', () => {
    // Both booted at once: the two boots overlap instead of adding up.
    let booted: [Awaited<ReturnType<typeof bootChild>>, Awaited<ReturnType<typeof bootChild>>];
    beforeAll(async () => {
      booted = await Promise.all([bootChild(), bootChild()]);
    }, 90_000);
    afterAll(() => {
      for (const b of booted ?? []) b.child.kill('SIGKILL');
    });

    test('SIGTERM to the CLI stops every daemon by PID and removes the temp dir', async () => {
      const { child, pids, dir } = booted[0];
      expect(pids).toHaveLength(3);
      expect(pids.every(alive)).toBe(true);
      expect(child.exitCode).toBeNull();
      const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      expect(pids.some(alive)).toBe(false);
      expect(existsSync(dir)).toBe(false);
      // Stopping waits for each daemon's exit (up to 10 s each). It once hung
      // here: the CLI printed its pids before swapping in its own SIGTERM
      // handler, and a signal that arrived during the swap was dropped.
    }, 150_000);

    test('SIGKILL of the process that booted it: the watchdog kills the daemons and removes the dir', async () => {
      const { child, pids, dir } = booted[1];
      expect(pids.every(alive)).toBe(true);
      child.kill('SIGKILL');
      // The watchdog polls once a second, SIGKILLs the daemons, then removes the dir.
      await waitUntil(() => !pids.some(alive));
      await waitUntil(() => !existsSync(dir));
      expect(pids.some(alive)).toBe(false);
      expect(existsSync(dir)).toBe(false);
    }, 150_000);
  });
});
