/**
 * Time in the document's history: the batch clock is the later of the local
 * clock and the document's; a key once seen gone stays gone for every
 * handler, whatever its clock; a clock far ahead of S3's is refused; expired
 * keys are removed as commits go. Clocks are injected: nothing here waits.
 */
import { Document } from '../../lambda/document';
import { createHandler, type HandlerOptions } from '../../lambda/handler';
import type { BatchRequest, BatchResponse } from '../../lambda/contract';
import type { ObjectStore } from '../../lambda/store/types';
import { MemoryStore } from '../support/memory-store';
import { b, batch, bulk, int, NIL, OK, repliesOf } from './util';

const KEY = 'db.json';
const T0 = 1_800_000_000_000;

/** A handler whose clock reads `clock.now`. */
function handlerAt(store: ObjectStore, clock: { now: number }, opts: Partial<HandlerOptions> = {}) {
  return createHandler({ store, now: () => clock.now, sleep: async () => undefined, ...opts });
}

const read = (id: string, ...cmds: string[][]): BatchRequest => ({ ...batch(id, cmds), write: false });
const failure = (res: BatchResponse) => (res.ok ? null : res.failure.kind);
const stored = (store: MemoryStore) => Document.decode(store.body(KEY)!);

test("Redis's boundary: present at its deadline with PTTL 0, gone one ms later, never back", async () => {
  const store = new MemoryStore();
  const clock = { now: T0 };
  const h = handlerAt(store, clock);
  expect(repliesOf(await h(batch('w', [['SET', 'k', 'v', 'PX', '200']])))).toEqual([[OK]]);
  clock.now = T0 + 150;
  expect(repliesOf(await h(batch('a', [['PTTL', 'k'], ['GET', 'k']])))).toEqual([[int(50), bulk('v')]]);
  clock.now = T0 + 200;
  expect(repliesOf(await h(batch('b', [['PTTL', 'k'], ['GET', 'k']])))).toEqual([[int(0), bulk('v')]]);
  clock.now = T0 + 201;
  expect(repliesOf(await h(batch('c', [['GET', 'k'], ['PTTL', 'k'], ['EXISTS', 'k']])))).toEqual([[NIL, int(-2), int(0)]]);
  // A handler whose clock is behind agrees: the document's clock moved past the deadline.
  const slow = handlerAt(store, { now: T0 + 50 });
  expect(repliesOf(await slow(read('d', ['GET', 'k'])))).toEqual([[NIL]]);
});

test('an expiry only the local clock sees makes the batch commit its clock; a slower handler then agrees', async () => {
  const store = new MemoryStore();
  const slowClock = { now: T0 };
  const slow = handlerAt(store, slowClock);
  const fast = handlerAt(store, { now: T0 + 300 });
  await slow(batch('w', [['SET', 'k', 'v', 'PX', '200']]));
  expect(stored(store).clock).toBe(T0);

  // On the proxy's read path the batch may not commit: the proxy sends it again as a write.
  const putsBefore = store.count('put');
  expect(failure(await fast(read('r1', ['GET', 'k'])))).toBe('write-required');
  expect(store.count('put')).toBe(putsBefore);
  // As a write it answers nil and commits the clock it ran at, even though no key changed.
  expect(repliesOf(await fast(batch('r1-again', [['GET', 'k']])))).toEqual([[NIL]]);
  expect(stored(store).clock).toBe(T0 + 300);

  slowClock.now = T0 + 100;
  expect(repliesOf(await slow(read('r2', ['GET', 'k'], ['PTTL', 'k'])))).toEqual([[NIL, int(-2)]]);
});

test('the broken rule (answer on the local clock, commit nothing) lets a key come back — what the rule prevents', async () => {
  const store = new MemoryStore();
  const slowClock = { now: T0 };
  const slow = handlerAt(store, slowClock);
  const broken = handlerAt(store, { now: T0 + 300 }, { unsafeLocalExpiry: true });
  await slow(batch('w', [['SET', 'k', 'v', 'PX', '200']]));
  expect(repliesOf(await broken(read('r1', ['GET', 'k'])))).toEqual([[NIL]]);
  slowClock.now = T0 + 100;
  expect(repliesOf(await slow(read('r2', ['GET', 'k'])))).toEqual([[bulk('v')]]);
});

test('a handler whose clock is an hour fast is refused, and expires nothing early', async () => {
  const store = new MemoryStore();
  const realNow = { now: T0 };
  // The store reports S3's clock (its Date header) as the real time.
  const s3 = Object.assign(Object.create(store) as MemoryStore, { serverClock: () => ({ date: realNow.now, receivedAt: performance.now() }) });
  const honest = handlerAt(s3, realNow);
  await honest(batch('w', [['SET', 'k', 'v', 'EX', '60']]));
  const fast = handlerAt(s3, { now: T0 + 3_600_000 });
  for (const req of [read('r', ['GET', 'k']), batch('w2', [['SET', 'other', 'x']]), batch('w3', [['GET', 'k']])]) {
    const res = await fast(req);
    expect(failure(res)).toBe('not-applied');
    expect(res.ok ? '' : res.failure.message).toMatch(/clock leads the store's by \d+ ms, more than the 5000 ms allowed/);
  }
  expect(stored(store).clock).toBe(T0);
  expect(repliesOf(await honest(read('r2', ['GET', 'k'])))).toEqual([[bulk('v')]]);
  // Within the bound it runs: 4 s ahead is tolerated (and is all a key can lose).
  const slightlyFast = handlerAt(s3, { now: T0 + 4000 });
  expect(repliesOf(await slightlyFast(read('r3', ['GET', 'k'])))).toEqual([[bulk('v')]]);
});

test('the commit window is trimmed by the document clock, not a fast local one', async () => {
  const store = new MemoryStore();
  const window = { retainMs: 60_000, maxEntries: 100, withReplies: 10 };
  await handlerAt(store, { now: T0 }, { window })(batch('first', [['SET', 'a', '1']]));
  // Two minutes ahead (no S3 clock to bound it here): its own batch must not drop 'first'.
  await handlerAt(store, { now: T0 + 120_000 }, { window })(batch('second', [['SET', 'b', '1']]));
  expect(stored(store).commits.map((c) => c.id)).toEqual(['first', 'second']);
});

test('commits remove expired keys as they go (active expiry); every commit advances seq', async () => {
  const store = new MemoryStore();
  const clock = { now: T0 };
  const h = handlerAt(store, clock);
  const sets = Array.from({ length: 10 }, (_, i) => ['SET', `t${i}`, 'v', 'PX', '100']);
  await h(batch('w', sets));
  const seq = stored(store).seq;
  clock.now = T0 + 101;
  await h(batch('w2', [['SET', 'x', '1']]));
  const doc = stored(store);
  expect(doc.size).toBe(1);
  expect(doc.has(b('t0'))).toBe(false);
  expect(doc.seq).toBe(seq + 1);
});

test('databases are namespaces in the one document, and INFO keyspace gets per-db stats', async () => {
  const store = new MemoryStore();
  const h = handlerAt(store, { now: T0 });
  const req: BatchRequest = {
    ...batch('dbs', [['SET', 'k', 'zero']], [['SET', 'k', 'three', 'EX', '100'], ['GET', 'k']]),
  };
  req.sessions[1].db = 3;
  const res = await h(req);
  expect(repliesOf(res)).toEqual([[OK], [OK, bulk('three')]]);
  expect(res.ok && res.stats.keyspace).toEqual([
    { db: 0, keys: 1, expires: 0, avgTtl: 0 },
    { db: 3, keys: 1, expires: 1, avgTtl: 100_000 },
  ]);
  expect(stored(store).get(b('k'), 3)?.toString()).toBe('three');
  expect(stored(store).get(b('k'))?.toString()).toBe('zero');
});

describe('exactly-once for every write reply', () => {
  test('a batch re-sent after an ambiguous write is answered with the replies that landed, bulk and arrays too', async () => {
    const store = new MemoryStore();
    const h = handlerAt(store, { now: T0 });
    await h(batch('seed', [['SET', 'a', 'apple'], ['SET', 'n', '1.5']]));
    store.onPut({ kind: 'unknown-applied' }, { kind: 'unknown-applied' });
    const cmds = [['GETDEL', 'a'], ['SET', 'b', 'x', 'GET'], ['GETSET', 'b', 'y'], ['INCRBYFLOAT', 'n', '1'], ['MSET', 'c', '1', 'd', '2']];
    // Both the first attempt and its re-read give up as unknown: the client sees UNKNOWN…
    const first = await h(batch('X', cmds));
    // …and the proxy sends the batch again (same id) to another environment.
    const again = await handlerAt(store, { now: T0 + 10 })(batch('X', cmds));
    expect(again.ok && again.stats).toMatchObject({ replayed: true });
    expect(repliesOf(again)).toEqual([[bulk('apple'), NIL, bulk('x'), bulk('2.5'), OK]]);
    if (first.ok) expect(repliesOf(first)).toEqual(repliesOf(again));
    expect(stored(store).get(b('a'))).toBeUndefined();
  });

  test('past the per-commit budget a reply is not kept: its replay is UNKNOWN and counted, and the window does not count toward maxmemory', async () => {
    const store = new MemoryStore();
    const big = 'v'.repeat(100 * 1024);
    const h = handlerAt(store, { now: T0 }, { maxDocumentBytes: 150 * 1024 });
    await h(batch('seed', [['SET', 'big', big]]));
    store.onPut({ kind: 'unknown-applied' }, { kind: 'unknown-applied' });
    await h(batch('Y', [['GETDEL', 'big'], ['SET', 'small', '1']]));
    const again = await handlerAt(store, { now: T0 + 10 }, { maxDocumentBytes: 150 * 1024 })(batch('Y', [['GETDEL', 'big'], ['SET', 'small', '1']]));
    const replies = repliesOf(again)[0];
    expect(replies[0]).toMatchObject({ t: 'error', v: expect.stringMatching(/^UNKNOWN /) });
    expect(replies[1]).toEqual(OK);
    expect(again.ok && again.stats.repliesLost).toBe(1);
    // 100 KiB of user data fits a 150 KiB cap whatever the commit window holds.
    expect(repliesOf(await h(batch('Z', [['SET', 'big2', big]])))).toEqual([[OK]]);
  });
});
