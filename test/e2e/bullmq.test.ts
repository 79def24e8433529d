/**
 * BullMQ 6 (on ioredis) end to end against valthree as `npm start` runs it:
 * a Queue adds a job and a Worker completes it, a delayed job fires after
 * its delay, and QueueEvents — reading the events stream with XREAD BLOCK —
 * sees both completions.
 *
 * What BullMQ 6.7.6 sends for these scenarios (redis-server MONITOR):
 * - at connect (ioredis): INFO (the ready check; BullMQ reads redis_version
 *   and maxmemory_policy from it), CLIENT SETNAME bull:<base64 queue name>
 *   (and …:qe for QueueEvents);
 * - outside scripts: EVAL / EVALSHA (its Lua scripts), HSET (the queue's
 *   meta hash), BZPOPMIN <marker> <seconds, float> (the Worker's wait for
 *   work), XREAD BLOCK 10000 STREAMS <events> $|<last id> (QueueEvents);
 * - inside its scripts (addStandardJob, addDelayedJob, moveToActive,
 *   moveToFinished, moveStalledJobsToWait, isFinished): strings GET, SET PX,
 *   DEL, EXISTS, INCR; hashes HSET, HMSET, HGET, HMGET, HGETALL, HINCRBY,
 *   HEXISTS; lists LPUSH, LLEN, LRANGE, LREM, LTRIM, RPOPLPUSH; sets SREM,
 *   SCARD, SMEMBERS; sorted sets ZADD, ZRANGE [WITHSCORES], ZRANGEBYSCORE …
 *   LIMIT, ZREVRANGEBYSCORE … WITHSCORES LIMIT, ZPOPMIN, ZSCORE, ZCARD, ZREM;
 *   streams XADD [MAXLEN ~ n] *, XTRIM MAXLEN ~ n. Lua: cjson.encode/decode,
 *   cmsgpack.unpack, unpack, tonumber, string.format, redis.pcall,
 *   redis.error_reply;
 * - elsewhere in its scripts (obliterate, retries, cleaning, job schedulers):
 *   also LTRIM, LPOS, LINDEX, LSET, LPOP, RPOP, RPUSH, SADD, SISMEMBER,
 *   ZREVRANGE, ZRANGEBYLEX, ZLEXCOUNT, ZCOUNT, ZREMRANGEBYSCORE,
 *   ZREMRANGEBYRANK, XLEN, XRANGE, XDEL, XREAD (relay), TYPE, RENAME,
 *   UNLINK, PTTL, PEXPIRE, PEXPIREAT, INCRBY, HLEN, TIME; and CLIENT LIST
 *   (Queue.getWorkers) and SCAN from JavaScript.
 *
 * BullMQ is loaded with require() and typed here by what the test uses, so
 * the suite compiles where the package is not installed yet (it is a
 * devDependency: `npm ci` brings it).
 *
 * BULLMQ_E2E_PORT=<port> runs the same test against a server already on
 * that port (a plain redis-server) instead of a spawned valthree: the check
 * that the test itself is right.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnProxy, type ChildProxy } from '../support/proxy-harness';

interface Connection {
  host: string;
  port: number;
  maxRetriesPerRequest: null;
}
interface Job {
  id?: string;
  timestamp: number;
  processedOn?: number;
  getState(): Promise<string>;
  waitUntilFinished(events: QueueEvents, ttl?: number): Promise<unknown>;
}
interface Closable {
  close(): Promise<void>;
  waitUntilReady(): Promise<unknown>;
}
interface Queue extends Closable {
  add(name: string, data: { n: number }, opts?: { delay?: number }): Promise<Job>;
}
interface QueueEvents extends Closable {
  on(event: 'completed', listener: (args: { jobId: string; returnvalue: unknown }) => void): void;
}
type Worker = Closable;
interface BullMQ {
  Queue: new (name: string, opts: { connection: Connection }) => Queue;
  Worker: new (name: string, processor: (job: { data: { n: number } }) => Promise<unknown>, opts: { connection: Connection }) => Worker;
  QueueEvents: new (name: string, opts: { connection: Connection }) => QueueEvents;
  Job: { fromId(queue: Queue, id: string): Promise<Job | undefined> };
}

const { Queue, Worker, QueueEvents, Job } = require('bullmq') as BullMQ;

const DELAY_MS = 1500;

let proxy: ChildProxy | undefined;
let dir: string | undefined;
let connection: Connection;

beforeAll(async () => {
  const given = process.env.BULLMQ_E2E_PORT;
  let port: number;
  if (given) {
    port = Number(given);
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-bullmq-'));
    proxy = await spawnProxy(['--data-dir', dir]);
    port = proxy.port;
  }
  // BullMQ requires maxRetriesPerRequest: null for its blocking connections.
  connection = { host: '127.0.0.1', port, maxRetriesPerRequest: null };
});

afterAll(async () => {
  if (proxy) {
    proxy.child.kill('SIGTERM');
    await proxy.exited;
  }
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Resolves once `done()` holds, checking every 20 ms; fails after `ms` with `what`. */
async function until(done: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('a job is added and completed, a delayed job fires after its delay, and QueueEvents sees both completions', async () => {
  const name = `e2e-${process.pid}-${Date.now()}`;
  const events = new QueueEvents(name, { connection });
  const queue = new Queue(name, { connection });
  let worker: Worker | undefined;
  try {
    await Promise.all([events.waitUntilReady(), queue.waitUntilReady()]);
    const completed = new Map<string, unknown>();
    events.on('completed', ({ jobId, returnvalue }) => completed.set(jobId, returnvalue));
    worker = new Worker(name, async (job) => ({ doubled: job.data.n * 2 }), { connection });
    await worker.waitUntilReady();

    const now = await queue.add('now', { n: 21 });
    const later = await queue.add('later', { n: 5 }, { delay: DELAY_MS });
    expect(await later.getState()).toBe('delayed');

    // waitUntilFinished listens on the same QueueEvents stream.
    expect(await now.waitUntilFinished(events, 20_000)).toEqual({ doubled: 42 });
    expect(await later.waitUntilFinished(events, 20_000)).toEqual({ doubled: 10 });
    expect(await later.getState()).toBe('completed');

    // The delayed job was not processed before its delay had passed.
    const done = await Job.fromId(queue, later.id ?? '');
    expect(done?.processedOn).toBeGreaterThanOrEqual(later.timestamp + DELAY_MS);

    await until(() => completed.size >= 2, 20_000, 'both completed events');
    expect(Object.fromEntries(completed)).toEqual({ [now.id ?? '']: { doubled: 42 }, [later.id ?? '']: { doubled: 10 } });
  } finally {
    await worker?.close();
    await events.close();
    await queue.close();
  }
}, 60_000);
