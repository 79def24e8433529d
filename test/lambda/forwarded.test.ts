/**
 * Exactly-once across a forward (lambda/origins.ts) and the writer lease
 * (lambda/lease.ts), on the real handler over an in-memory S3.
 */
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse, type SessionCommands } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { createHandler } from '../../lambda/handler';
import { leaseKey } from '../../lambda/lease';
import { MemoryStore } from '../support/memory-store';
import { b, int, OK, repliesOf } from './util';

const KEY = 'db.json';
const session = (id: string, origin: string | undefined, ...cmds: string[][]): SessionCommands => ({
  id,
  commands: cmds.map((c) => c.map((w) => encodeArg(Buffer.from(w)))),
  ...(origin ? { origin } : {}),
});
const request = (batchId: string, ...sessions: SessionCommands[]): BatchRequest => ({ v: CONTRACT_VERSION, batchId, sessions });
const counter = (store: MemoryStore, k: string) => Document.decode(store.body(KEY) as Buffer).get(b(k))?.toString('latin1');

function ok(res: BatchResponse): Extract<BatchResponse, { ok: true }> {
  if (!res.ok) throw new Error(`batch failed: ${res.failure.message}`);
  return res;
}

describe('a forwarded batch (SessionCommands.origin)', () => {
  // The follower's batch F: two connections' writes.
  const followerSessions = [session('0', undefined, ['INCR', 'c'], ['SET', 'k', 'v']), session('1', undefined, ['INCRBY', 'c', '10'])];
  const forwardedInto = (writerId: string) =>
    request(writerId, session('0', undefined, ['INCR', 'w']), ...followerSessions.map((s, i) => ({ ...s, id: `f${i}`, origin: 'F-1' })));

  test('delivered to the writer after the follower fell back and committed it: applied once, answered with the stored replies', async () => {
    const store = new MemoryStore();
    const h = createHandler({ store });
    // The follower gave up on the writer and invoked the handler itself.
    const direct = ok(await h(request('F-1', ...followerSessions)));
    expect(repliesOf(direct)).toEqual([[int(1), OK], [int(11)]]);
    // The forward arrives late; the writer folds it into its own batch.
    const late = ok(await createHandler({ store })(forwardedInto('W-1')));
    expect(counter(store, 'c')).toBe('11');
    expect(counter(store, 'w')).toBe('1');
    expect(late.sessions.map((s) => s.replies)).toEqual([[int(1)], [int(1), OK], [int(11)]]);
  });

  test('committed by the writer first: the follower re-sending it under its own id is answered, not applied again', async () => {
    const store = new MemoryStore();
    const writer = ok(await createHandler({ store })(forwardedInto('W-1')));
    expect(writer.sessions.map((s) => s.replies)).toEqual([[int(1)], [int(1), OK], [int(11)]]);
    const fallback = ok(await createHandler({ store })(request('F-1', ...followerSessions)));
    expect(fallback.stats.replayed).toBe(true);
    expect(repliesOf(fallback)).toEqual([[int(1), OK], [int(11)]]);
    expect(counter(store, 'c')).toBe('11');
    // Forwarded twice (a second writer after a lease change): still once.
    ok(await createHandler({ store })(forwardedInto('W-2')));
    expect(counter(store, 'c')).toBe('11');
    expect(counter(store, 'w')).toBe('2');
  });

  test('the follower fell back while the writer was still committing it, and its fallback changed nothing: the writer does not apply it later', async () => {
    const store = new MemoryStore();
    ok(await createHandler({ store })(request('C-0', session('0', undefined, ['SET', 'other', 'x']))));
    // The writer's first PUT outcome is unknown (it hung past the follower's
    // deadline + skew); meanwhile the follower sends the batch itself, fenced
    // as it does after an unanswered forward, and another client SETs k.
    let hold: (() => Promise<void>) | undefined = async () => {
      const fallback = ok(await createHandler({ store })({ ...request('F-1', session('0', undefined, ['DEL', 'k'])), fence: true }));
      expect(repliesOf(fallback)).toEqual([[int(0)]]);
      ok(await createHandler({ store })(request('C-1', session('0', undefined, ['SET', 'k', 'v']))));
    };
    const writerStore: MemoryStore = Object.create(store);
    writerStore.put = async (key, body, cond) => {
      if (!hold) return store.put(key, body, cond);
      const h = hold;
      hold = undefined;
      await h();
      return { status: 'unknown', detail: 'injected: timed out before S3 got it' };
    };
    const writer = ok(await createHandler({ store: writerStore })(request('W-1', session('w', undefined, ['INCR', 'w']), session('f0', 'F-1', ['DEL', 'k']))));
    // The client was answered 0 by the fallback: the DEL must not delete the later SET.
    expect(counter(store, 'k')).toBe('v');
    expect(writer.sessions.map((s) => s.replies)).toEqual([[int(1)], [int(0)]]);
    expect(counter(store, 'w')).toBe('1');
  });

  test('a fence on a read-path batch is refused', async () => {
    const res = await createHandler({ store: new MemoryStore() })({ ...request('R-1', session('0', undefined, ['GET', 'k'])), write: false, fence: true });
    expect(res.ok).toBe(false);
  });

  test('an origin equal to the batch id is refused', async () => {
    const res = await createHandler({ store: new MemoryStore() })(request('F-1', session('0', 'F-1', ['INCR', 'c'])));
    expect(res.ok).toBe(false);
  });
});

describe('the writer lease', () => {
  const claim = (holder: string, ttlMs: number): BatchRequest => ({ v: CONTRACT_VERSION, batchId: `lease-${holder}`, sessions: [], lease: { holder, address: `${holder}:7000`, ttlMs } });

  test('taken, held against others until it expires, renewed by its holder, released', async () => {
    const store = new MemoryStore();
    let now = 1_000_000;
    const h = createHandler({ store, now: () => now });
    expect(ok(await h(claim('a', 3000))).lease).toEqual({ holder: 'a', address: 'a:7000', remainingMs: 3000 });
    now += 1000;
    expect(ok(await h(claim('b', 3000))).lease).toEqual({ holder: 'a', address: 'a:7000', remainingMs: 2000 });
    expect(ok(await h(claim('a', 3000))).lease).toEqual({ holder: 'a', address: 'a:7000', remainingMs: 3000 });
    now += 3001;
    expect(ok(await h(claim('b', 3000))).lease?.holder).toBe('b');
    expect(ok(await h(claim('b', 0))).lease?.holder).toBe(null);
    expect(ok(await h(claim('a', 3000))).lease?.holder).toBe('a');
    // Riding on a write batch: both happen, the batch as if alone.
    now += 10_000;
    const ride = ok(await h({ ...request('W-9', session('0', undefined, ['SET', 'x', '1'])), lease: { holder: 'c', address: 'c:7000', ttlMs: 3000 } }));
    expect(ride.lease).toEqual({ holder: 'c', address: 'c:7000', remainingMs: 3000 });
    expect(repliesOf(ride)).toEqual([[OK]]);
    expect(Document.decode(store.body(KEY) as Buffer).get(b('x'))?.toString()).toBe('1');
    // Beside the document, never in it.
    expect(store.body(leaseKey(KEY))).toBeDefined();
    expect(Document.decode(store.body(KEY) as Buffer).commits.map((c) => c.id)).toEqual(['W-9']);
  });
});
