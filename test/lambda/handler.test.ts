/**
 * The batch handler over an in-memory S3 (test/support/memory-store.ts):
 * S3 requests per batch, the warm cache, conflicts, ambiguous writes, the
 * commit window (exactly-once), refusals, and binary data.
 */
import fc from 'fast-check';
import { CONTRACT_VERSION, failureReply, type BatchRequest, type BatchResponse, type WireReply } from '../../lambda/contract';
import { Document, type WindowPolicy } from '../../lambda/document';
import { createHandler, type HandlerOptions } from '../../lambda/handler';
import { COMMANDS, type Command } from '../../lambda/commands';
import { MemoryStore } from '../support/memory-store';
import { b, batch, bulk, err, int, NIL, OK, repliesOf } from './util';

const KEY = 'db.json';

function setup(opts: Partial<HandlerOptions> = {}, store = new MemoryStore()) {
  const sleeps: number[] = [];
  const options: HandlerOptions = { store, sleep: async (ms) => void sleeps.push(ms), ...opts };
  return { store, h: createHandler(options), sleeps, another: () => createHandler(options) };
}

function seed(store: MemoryStore, entries: Record<string, string>): string {
  const doc = Document.empty();
  for (const [k, v] of Object.entries(entries)) doc.set(b(k), b(v));
  return store.seed(KEY, doc.encode());
}

function stored(store: MemoryStore): Document {
  const body = store.body(KEY);
  if (!body) throw new Error('db.json does not exist');
  return Document.decode(body);
}

const value = (store: MemoryStore, k: string) => stored(store).get(b(k))?.toString('latin1');
const commitsWithId = (store: MemoryStore, id: string) => stored(store).commits.filter((c) => c.id === id).length;

/** Another client's write, applied just before the handler's PUT is evaluated. */
const concurrentWrite = (change: (doc: Document) => void) => ({
  kind: 'concurrent-write' as const,
  write: (cur: Buffer | undefined) => {
    const doc = cur ? Document.decode(cur) : Document.empty();
    change(doc);
    doc.recordCommit({ id: `other-${Math.random()}`, at: Date.now(), r: [] });
    return doc.encode();
  },
});

function failureOf(res: BatchResponse) {
  if (res.ok) throw new Error(`expected a failure, got ${JSON.stringify(res.sessions)}`);
  return res.failure;
}

describe('S3 requests per batch', () => {
  it('a read-only batch makes no PUT (and creates no document)', async () => {
    const { store, h } = setup();
    expect(repliesOf(await h(batch('r1', [['GET', 'a'], ['INCR', 'a', 'extra'], ['DEL', 'missing'], ['FLUSHALL']])))).toEqual([[NIL, err("ERR wrong number of arguments for 'incr' command"), int(0), OK]]);
    expect(store.count('put')).toBe(0);
    expect(store.body(KEY)).toBeUndefined();

    seed(store, { a: '1' });
    expect(repliesOf(await h(batch('r2', [['GET', 'a']])))).toEqual([[bulk('1')]]);
    expect(store.count('put')).toBe(0);
  });

  it('a write batch makes exactly one PUT, however many sessions and writes it has', async () => {
    const { store, h } = setup();
    const res = await h(batch('w1', [['SET', 'a', '1'], ['SET', 'b', '2']], [['GET', 'a'], ['DEL', 'b']], [['SET', 'c', '3']]));
    expect(repliesOf(res)).toEqual([[OK, OK], [bulk('1'), int(1)], [OK]]);
    expect(res.ok && res.sessions.map((s) => s.id)).toEqual(['s0', 's1', 's2']);
    expect(store.count('put')).toBe(1);
    expect(store.calls.find((c) => c.op === 'put')?.ifNoneMatch).toBe('*'); // first write creates
    expect(value(store, 'a')).toBe('1');
    expect(value(store, 'b')).toBeUndefined();
    expect(commitsWithId(store, 'w1')).toBe(1);
  });

  it('warm cache: the second write batch does no GET and PUTs with If-Match on the last ETag', async () => {
    const { store, h } = setup();
    await h(batch('w1', [['SET', 'a', '1']]));
    const gets = store.count('get');
    const etag = store.etag(KEY);
    await h(batch('w2', [['SET', 'a', '2']]));
    expect(store.count('get')).toBe(gets);
    expect(store.calls.at(-1)).toMatchObject({ op: 'put', ifMatch: etag, result: 'ok' });
    expect(value(store, 'a')).toBe('2');
  });

  it('a read batch on a warm cache asks S3 with If-None-Match and gets 304: no body transferred', async () => {
    const { store, h } = setup();
    await h(batch('w1', [['SET', 'a', '1']]));
    const before = store.calls.length;
    expect(repliesOf(await h(batch('r1', [['GET', 'a']])))).toEqual([[bulk('1')]]);
    expect(store.calls.slice(before)).toEqual([{ op: 'get', key: KEY, ifNoneMatch: store.etag(KEY), result: 'not-modified' }]);
  });

  it('without the cache every batch reads the document in full', async () => {
    const { store, h } = setup({ cache: false });
    await h(batch('w1', [['SET', 'a', '1']]));
    await h(batch('r1', [['GET', 'a']]));
    expect(store.calls.filter((c) => c.op === 'get').map((c) => [c.ifNoneMatch, c.result])).toEqual([
      [undefined, 'absent'],
      [undefined, 'found'],
    ]);
  });
});

describe('linearizable reads from a warm cache', () => {
  it('a read sees another writer’s value: the conditional GET fetches the new document', async () => {
    const { store, h, another } = setup();
    await h(batch('w1', [['SET', 'a', 'old']]));
    await another()(batch('w2', [['SET', 'a', 'new']]));
    expect(repliesOf(await h(batch('r1', [['GET', 'a']])))).toEqual([[bulk('new')]]);
    expect(store.calls.at(-1)).toMatchObject({ op: 'get', result: 'found' });
  });

  it('a write batch that changed nothing on a stale cache is re-run on the fresh document', async () => {
    const { store, h, another } = setup();
    await h(batch('w1', [['SET', 'x', '1']]));
    await another()(batch('w2', [['SET', 'k', 'v']]));
    // On the cached snapshot k is absent (DEL → 0, nothing to commit); the
    // answer must not leave before S3 confirms that snapshot, and it does not.
    expect(repliesOf(await h(batch('w3', [['DEL', 'k']])))).toEqual([[int(1)]]);
    expect(value(store, 'k')).toBeUndefined();
  });
});

describe('conflicts', () => {
  it('a concurrent writer → conflict → re-read → re-apply: replies come from the fresh state', async () => {
    const { store, h, sleeps } = setup();
    await h(batch('w1', [['SET', 'a', '1'], ['SET', 'b', '1']]));
    store.onPut(concurrentWrite((doc) => doc.delete(b('a'))));
    const res = await h(batch('w2', [['DEL', 'a', 'b'], ['GET', 'a']]));
    // On the stale cache DEL would have counted 2; the committed answer is 1.
    expect(repliesOf(res)).toEqual([[int(1), NIL]]);
    expect(res.stats).toMatchObject({ conflicts: 1, s3Puts: 2, keys: 0 });
    expect(store.calls.filter((c) => c.op === 'put').map((c) => c.result)).toEqual(['ok', 'conflict', 'ok']);
    expect(sleeps).toHaveLength(1);
    expect(sleeps[0]).toBeGreaterThanOrEqual(0);
    expect(sleeps[0]).toBeLessThanOrEqual(200);
    expect(commitsWithId(store, 'w2')).toBe(1);
  });

  it('a conflict on create (someone else created db.json first) re-reads and keeps their data', async () => {
    const { store, h } = setup();
    store.onPut(concurrentWrite((doc) => doc.set(b('theirs'), b('1'))));
    expect(repliesOf(await h(batch('w1', [['SET', 'mine', '1']])))).toEqual([[OK]]);
    expect([value(store, 'theirs'), value(store, 'mine')]).toEqual(['1', '1']);
  });

  it('two batches sent at once to one handler run one after the other, without conflicts', async () => {
    const { store, h } = setup();
    const [r1, r2] = await Promise.all([h(batch('w1', [['SET', 'a', '1']])), h(batch('w2', [['SET', 'b', '2']]))]);
    expect([r1.stats?.conflicts, r2.stats?.conflicts]).toEqual([0, 0]);
    expect([value(store, 'a'), value(store, 'b')]).toEqual(['1', '2']);
  });

  it('maxAttempts exhausted → not-applied, worded as safe to retry; the other writer’s data stands', async () => {
    const { store, h } = setup({ maxAttempts: 3 });
    await h(batch('w0', [['SET', 'n', '0']]));
    for (let i = 1; i <= 3; i++) store.onPut(concurrentWrite((doc) => doc.set(b('n'), b(`other-${i}`))));
    const res = await h(batch('w1', [['SET', 'n', 'mine']]));
    const failure = failureOf(res);
    expect(failure).toEqual({ kind: 'not-applied', message: 'db.json is contended; gave up after 3 attempts' });
    expect(failureReply(failure)).toEqual(err('TRYAGAIN not applied: db.json is contended; gave up after 3 attempts; safe to retry'));
    expect(value(store, 'n')).toBe('other-3');
    expect(commitsWithId(store, 'w1')).toBe(0);
    expect(store.count('put')).toBe(1 + 3);
  });

  it('maxAttempts exhausted after an ambiguous attempt → outcome unknown', async () => {
    const { store, h } = setup({ maxAttempts: 3 });
    await h(batch('w0', [['SET', 'n', '0']]));
    store.onPut({ kind: 'unknown-not-applied' }, concurrentWrite((doc) => doc.set(b('n'), b('x'))), concurrentWrite((doc) => doc.set(b('n'), b('y'))));
    const failure = failureOf(await h(batch('w1', [['SET', 'n', 'mine']])));
    expect(failure.kind).toBe('unknown');
    expect(failureReply(failure).t).toBe('error');
    expect((failureReply(failure) as { v: string }).v).toMatch(/^UNKNOWN outcome unknown: .*; the command may or may not have taken effect$/);
  });

  it('gives up before starting an attempt it has no time left for', async () => {
    const { store, h } = setup({ remainingMs: () => 1000 });
    const failure = failureOf(await h(batch('w1', [['SET', 'a', '1']])));
    expect(failure.kind).toBe('not-applied');
    expect(store.count('put')).toBe(0);
  });
});

describe('ambiguous writes and the commit window', () => {
  it('unknown but applied → the re-read finds the batch id → the original replies, applied once', async () => {
    const { store, h } = setup();
    await h(batch('w0', [['SET', 'a', '1']]));
    store.onPut({ kind: 'unknown-applied' });
    const res = await h(batch('w1', [['GET', 'a'], ['DEL', 'a'], ['SET', 'b', 'x'], ['GET', 'b']]));
    // Re-applying would answer GET a → nil and DEL a → 0.
    expect(repliesOf(res)).toEqual([[bulk('1'), int(1), OK, bulk('x')]]);
    expect(res.stats).toMatchObject({ replayed: true, s3Puts: 1 });
    expect(store.calls.slice(-2).map((c) => [c.op, c.result])).toEqual([
      ['put', 'unknown'],
      ['get', 'found'],
    ]);
    expect(commitsWithId(store, 'w1')).toBe(1);
    expect([value(store, 'a'), value(store, 'b')]).toEqual([undefined, 'x']);
  });

  it('unknown and not applied → the re-read does not find it → retried → applied exactly once', async () => {
    const { store, h } = setup();
    await h(batch('w0', [['SET', 'a', '1']]));
    store.onPut({ kind: 'unknown-not-applied' });
    const res = await h(batch('w1', [['DEL', 'a'], ['SET', 'b', 'x']]));
    expect(repliesOf(res)).toEqual([[int(1), OK]]);
    expect(res.stats).toMatchObject({ replayed: false, s3Puts: 2 });
    expect(store.calls.filter((c) => c.op === 'put').map((c) => c.result)).toEqual(['ok', 'unknown', 'ok']);
    expect(commitsWithId(store, 'w1')).toBe(1);
  });

  it('the replies are those of the attempt that landed, not of an earlier one', async () => {
    const { store, h } = setup();
    await h(batch('w0', [['SET', 'a', '1']]));
    store.onPut({ kind: 'unknown-not-applied' }, concurrentWrite((doc) => doc.delete(b('a'))), { kind: 'unknown-applied' });
    // Attempt 1 computed DEL a → 1 (lost), attempt 2 → 1 (conflict), attempt 3 → 0 (landed, response lost).
    const res = await h(batch('w1', [['DEL', 'a'], ['SET', 'b', 'x']]));
    expect(repliesOf(res)).toEqual([[int(0), OK]]);
    expect(res.stats).toMatchObject({ replayed: true, s3Puts: 3, conflicts: 1 });
    expect(commitsWithId(store, 'w1')).toBe(1);
    expect(store.pendingFaults).toBe(0);
  });

  it('a read that fails after an ambiguous write makes the whole batch "unknown", not "not applied"', async () => {
    const { store, h } = setup();
    await h(batch('w0', [['SET', 'a', '0']]));
    // Warm cache: no GET before the PUT; the GET that follows the lost PUT fails.
    store.onPut({ kind: 'unknown-not-applied' }).onGet({ kind: 'throw', error: new Error('SlowDown (HTTP 503)') });
    const failure = failureOf(await h(batch('w1', [['SET', 'a', '1']])));
    expect(failure.kind).toBe('unknown');
    expect(store.pendingFaults).toBe(0);
  });

  it.each([
    ['the same warm handler', false],
    ['a cold handler (another Lambda environment)', true],
  ])('a batch re-sent after success is answered from the commit window, not applied twice (%s)', async (_, cold) => {
    const { store, h, another } = setup();
    await h(batch('w0', [['SET', 'a', '1']]));
    const first = await h(batch('X', [['DEL', 'a'], ['SET', 'c', '1']]));
    expect(repliesOf(first)).toEqual([[int(1), OK]]);
    await h(batch('Y', [['SET', 'a', 'again'], ['SET', 'c', '2']]));
    const puts = store.count('put');

    const again = await (cold ? another() : h)(batch('X', [['DEL', 'a'], ['SET', 'c', '1']]));
    expect(repliesOf(again)).toEqual([[int(1), OK]]);
    expect(again.stats?.replayed).toBe(true);
    expect(store.count('put')).toBe(puts);
    expect([value(store, 'a'), value(store, 'c')]).toEqual(['again', '2']);
    expect(commitsWithId(store, 'X')).toBe(1);
  });

  it('a re-sent batch’s reads were not kept: they answer "outcome unknown", never a value from now', async () => {
    const { h, another } = setup();
    await h(batch('X', [['SET', 'a', '1'], ['GET', 'a']]));
    await h(batch('Y', [['SET', 'a', '2']]));
    const replies = repliesOf(await another()(batch('X', [['SET', 'a', '1'], ['GET', 'a']])));
    expect(replies[0][0]).toEqual(OK);
    expect(replies[0][1]).toMatchObject({ t: 'error', v: expect.stringMatching(/^UNKNOWN outcome unknown: /) });
  });

  it('after the window trimmed its replies, a re-sent batch gets "outcome unknown" for every command', async () => {
    const window: WindowPolicy = { retainMs: 1e9, maxEntries: 100, withReplies: 0 };
    const { store, h } = setup({ window });
    await h(batch('X', [['SET', 'a', '1'], ['DEL', 'zz']], [['SET', 'b', '1']]));
    await h(batch('Y', [['SET', 'c', '1']]));
    expect(stored(store).hasCommit('X')?.r).toEqual([]);
    const replies = repliesOf(await h(batch('X', [['SET', 'a', '1'], ['DEL', 'zz']], [['SET', 'b', '1']])));
    const unknown = failureReply({ kind: 'unknown', message: 'the batch was committed by an earlier attempt whose replies were not kept' });
    expect(replies).toEqual([[unknown, unknown], [unknown]]);
    expect(commitsWithId(store, 'X')).toBe(1);
  });

  it('commit ids older than the window are dropped on the next commit', async () => {
    let t = 0;
    const { store, h } = setup({ now: () => t, window: { retainMs: 100, maxEntries: 100, withReplies: 10 } });
    await h(batch('old', [['SET', 'a', '1']]));
    t = 1000;
    await h(batch('mid', [['SET', 'a', '2']]));
    t = 2000;
    await h(batch('new', [['SET', 'a', '3']]));
    // Trimming runs before the batch adds its own id, and keeps the newest one it finds.
    expect(stored(store).commits.map((c) => c.id)).toEqual(['mid', 'new']);
  });
});

describe('the reply budget (Lambda’s 6 MB response)', () => {
  it('stops at the reply that does not fit: the prefix commits, the command that did not fit is not applied', async () => {
    // Kept inline (past PAGE_THRESHOLD the database would be paged): this reads the stored document's entries.
    const { store, h } = setup({ paging: { threshold: Infinity } });
    const big = Buffer.alloc(3 * 1024 * 1024, 0x61); // 4 MiB as base64: two do not fit in one response
    await h(batch('w0', [['SET', 'big', big]]));
    const res = await h(batch('w1', [['SET', 'x', '1'], ['GET', 'big']], [['GET', 'big'], ['SET', 'y', '1']]));
    const replies = repliesOf(res);
    expect(replies.map((r) => r.length)).toEqual([2, 0]);
    expect(replies[0][1]).toEqual(bulk(big));
    expect([value(store, 'x'), value(store, 'y')]).toEqual(['1', undefined]);
  });
});

describe('refusals', () => {
  it('a document with an unknown format is refused with a clear message and never rewritten', async () => {
    const { store, h } = setup();
    const future = Buffer.from('{"format":5,"commits":[],"data":{"a":"1"},"data64":{},"ttl":{}}');
    store.seed(KEY, future);
    for (const req of [batch('w1', [['SET', 'a', '2']]), batch('r1', [['GET', 'a']]), batch('f1', [['FLUSHALL']])]) {
      const failure = failureOf(await h(req));
      expect(failure.kind).toBe('not-applied');
      expect(failure.message).toMatch(/db.json has format 5, this version understands 1, 2, 3, 4 only; refusing to touch it/);
    }
    expect(store.count('put')).toBe(0);
    expect(store.body(KEY)).toEqual(future);
  });

  it('an upgrade under a warm handler: its conditional PUT fails, the re-read refuses, the new document stays', async () => {
    const { store, h } = setup();
    await h(batch('w1', [['SET', 'a', '1']]));
    const future = Buffer.from('{"format":5,"commits":[],"data":{}}');
    store.seed(KEY, future);
    expect(failureOf(await h(batch('w2', [['SET', 'a', '2']]))).message).toMatch(/format 5/);
    expect(store.body(KEY)).toEqual(future);
  });

  it('a corrupt document is refused (not-applied), not overwritten', async () => {
    const { store, h } = setup();
    store.seed(KEY, '{"format":1,"commits":[');
    expect(failureOf(await h(batch('w1', [['SET', 'a', '1']])))).toMatchObject({ kind: 'not-applied', message: expect.stringMatching(/not valid JSON/) });
    expect(store.count('put')).toBe(0);
  });

  it.each<[string, unknown]>([
    ['a wrong contract version', { v: 2, batchId: 'x', sessions: [] }],
    ['no batchId', { v: CONTRACT_VERSION, sessions: [] }],
    ['an empty batchId', { v: CONTRACT_VERSION, batchId: '', sessions: [] }],
    ['sessions not an array', { v: CONTRACT_VERSION, batchId: 'x', sessions: {} }],
    ['a session without id', { v: CONTRACT_VERSION, batchId: 'x', sessions: [{ commands: [] }] }],
    ['a non-string argument', { v: CONTRACT_VERSION, batchId: 'x', sessions: [{ id: 's', commands: [[1]] }] }],
    ['null', null],
  ])('an invalid request (%s) → not-applied, and no S3 request', async (_, req) => {
    const { store, h } = setup();
    const failure = failureOf(await h(req as BatchRequest));
    expect(failure.kind).toBe('not-applied');
    expect(failure.message.length).toBeGreaterThan(10);
    expect(store.calls).toHaveLength(0);
  });

  it('the contract-version refusal names both versions', async () => {
    const { h } = setup();
    expect(failureOf(await h({ v: 7, batchId: 'x', sessions: [] } as unknown as BatchRequest)).message).toBe('contract version 7 is not supported (this handler speaks 1)');
  });

  it('a GET that throws → not-applied, naming the document', async () => {
    const { store, h } = setup();
    store.onGet({ kind: 'throw', error: new Error('AccessDenied (HTTP 403)') });
    expect(failureOf(await h(batch('r1', [['GET', 'a']])))).toEqual({ kind: 'not-applied', message: 'cannot read db.json: AccessDenied (HTTP 403)' });
  });

  it('a PUT refused outright → not-applied, and the warm cache is rolled back', async () => {
    const { store, h } = setup();
    await h(batch('w1', [['SET', 'a', '1']]));
    store.onPut({ kind: 'throw', error: new Error('PutObject refused: AccessDenied (HTTP 403)') });
    expect(failureOf(await h(batch('w2', [['SET', 'a', '2'], ['SET', 'b', '2']])))).toMatchObject({ kind: 'not-applied' });
    // The next batch runs on the cache: it must not see the refused writes.
    expect(repliesOf(await h(batch('w3', [['GET', 'a'], ['GET', 'b'], ['SET', 'c', '3']])))).toEqual([[bulk('1'), NIL, OK]]);
    expect([value(store, 'a'), value(store, 'b'), value(store, 'c')]).toEqual(['1', undefined, '3']);
  });

  it('OOM: a write past maxDocumentBytes gets the OOM reply; the rest of the batch commits', async () => {
    const { store, h } = setup({ maxDocumentBytes: 300 });
    const res = await h(batch('w1', [['SET', 'small', '1'], ['SET', 'big', 'x'.repeat(400)], ['GET', 'big']]));
    expect(repliesOf(res)).toEqual([[OK, err("OOM command not allowed when used memory > 'maxmemory'."), NIL]]);
    expect(value(store, 'small')).toBe('1');
    expect(store.body(KEY)!.length).toBeLessThanOrEqual(300);
  });
});

describe('beforeFirstWrite (the storage safety check)', () => {
  it('runs once, before the first write, and not for reads', async () => {
    let calls = 0;
    const { store, h } = setup({ beforeFirstWrite: async () => void calls++ });
    await h(batch('r1', [['GET', 'a']]));
    expect(calls).toBe(0);
    await h(batch('w1', [['SET', 'a', '1']]));
    await h(batch('w2', [['SET', 'a', '2']]));
    expect(calls).toBe(1);
    expect(value(store, 'a')).toBe('2');
  });

  it('its failure refuses the write (not-applied, its message) and nothing is written', async () => {
    let fail = true;
    let calls = 0;
    const { store, h } = setup({
      beforeFirstWrite: async () => {
        calls++;
        if (fail) throw new Error('memory://test ignores If-Match');
      },
    });
    expect(failureOf(await h(batch('w1', [['SET', 'a', '1']])))).toEqual({ kind: 'not-applied', message: 'memory://test ignores If-Match' });
    expect(store.count('put')).toBe(0);
    // Reads still work, and the refused write is not visible in the cache.
    expect(repliesOf(await h(batch('r1', [['GET', 'a']])))).toEqual([[NIL]]);
    // A failed check is not remembered as passed: the next write asks again.
    fail = false;
    expect(repliesOf(await h(batch('w2', [['SET', 'a', '2']])))).toEqual([[OK]]);
    expect(calls).toBe(2);
  });
});

describe('against a model (property)', () => {
  type Cmd = ['GET', string] | ['SET', string, string] | ['DEL', ...string[]] | ['FLUSHALL'];
  type Step = { via: 0 | 1; sessions: Cmd[][]; fault: 'none' | 'unknown-applied' | 'unknown-not-applied'; other: [string, string] | null };
  const keyArb = fc.constantFrom('a', 'b', 'c');
  const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
    { weight: 3, arbitrary: keyArb.map((k): Cmd => ['GET', k]) },
    { weight: 3, arbitrary: fc.tuple(keyArb, fc.constantFrom('1', '2', '')).map(([k, v]): Cmd => ['SET', k, v]) },
    { weight: 2, arbitrary: fc.array(keyArb, { minLength: 1, maxLength: 3 }).map((ks): Cmd => ['DEL', ...ks]) },
    { weight: 1, arbitrary: fc.constant<Cmd>(['FLUSHALL']) },
  );
  const stepArb: fc.Arbitrary<Step> = fc.record({
    via: fc.constantFrom<0 | 1>(0, 1),
    sessions: fc.array(fc.array(cmdArb, { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }),
    fault: fc.constantFrom<Step['fault']>('none', 'none', 'unknown-applied', 'unknown-not-applied'),
    other: fc.option(fc.tuple(keyArb, fc.constantFrom('x', 'y')), { nil: null }),
  });

  function model(state: Map<string, string>, c: Cmd): WireReply {
    if (c[0] === 'GET') return state.has(c[1]) ? bulk(state.get(c[1]) as string) : NIL;
    if (c[0] === 'SET') return state.set(c[1], c[2]), OK;
    if (c[0] === 'FLUSHALL') return state.clear(), OK;
    return int(c.slice(1).filter((k) => state.delete(k)).length);
  }

  it('two warm handlers, another client and lost responses: every reply and the final db.json match a sequential model', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 12 }), async (steps) => {
        const store = new MemoryStore();
        const handlers = [createHandler({ store, sleep: async () => undefined }), createHandler({ store, sleep: async () => undefined })];
        const state = new Map<string, string>();
        for (const [i, step] of steps.entries()) {
          if (step.other) {
            // Another client writes between batches: both caches may now be stale.
            const doc = store.body(KEY) ? stored(store) : Document.empty();
            doc.set(b(step.other[0]), b(step.other[1]));
            doc.recordCommit({ id: `other-${i}`, at: Date.now(), r: [] });
            store.seed(KEY, doc.encode());
            state.set(step.other[0], step.other[1]);
          }
          if (step.fault !== 'none') store.onPut({ kind: step.fault });
          const res = await handlers[step.via](batch(`b${i}`, ...step.sessions));
          expect(repliesOf(res)).toEqual(step.sessions.map((cmds) => cmds.map((c) => model(state, c))));
        }
        const final = store.body(KEY) ? stored(store) : Document.empty();
        expect(final.size).toBe(state.size);
        for (const [k, v] of state) expect(final.get(b(k))?.toString()).toBe(v);
      }),
      { numRuns: 60 },
    );
  });
});

describe('FLUSHALL and binary data', () => {
  it('FLUSHALL on a warm handler whose cache is empty still flushes what another writer added', async () => {
    const { store, h, another } = setup();
    await h(batch('w1', [['SET', 'a', '1'], ['FLUSHALL']]));
    await another()(batch('w2', [['SET', 'b', '2']]));
    expect(repliesOf(await h(batch('f1', [['FLUSHALL']])))).toEqual([[OK]]);
    expect(stored(store).size).toBe(0);
  });

  it('FLUSHALL writes an empty document with its commit id; db.json is never deleted', async () => {
    const { store, h } = setup();
    await h(batch('w1', [['SET', 'a', '1'], ['SET', b([0xff]), '2']]));
    expect(repliesOf(await h(batch('f1', [['FLUSHALL', 'ASYNC']])))).toEqual([[OK]]);
    expect(store.count('delete')).toBe(0);
    const doc = stored(store);
    expect(doc.size).toBe(0);
    expect(doc.hasCommit('w1')).toBeDefined();
    expect(doc.hasCommit('f1')).toBeDefined();
    expect(store.calls.at(-1)).toMatchObject({ op: 'put', result: 'ok' });
  });

  it('binary keys and values go through byte-exact, and UTF-8 stays readable in db.json', async () => {
    const { store, h, another } = setup();
    const key = b([0x00, 0xff, 0x0d, 0x0a]);
    const val = b([0xff, 0x00, 0xfe, 0x80]);
    const res = await h(batch('w1', [['SET', key, val], ['SET', '', ''], ['SET', Buffer.from('héllo'), Buffer.from('wörld')], ['GET', key], ['GET', '']]));
    expect(repliesOf(res)).toEqual([[OK, OK, OK, bulk(val), bulk('')]]);
    // A cold handler reads them back from the stored document.
    expect(repliesOf(await another()(batch('r1', [['GET', key], ['GET', ''], ['GET', Buffer.from('héllo')]])))).toEqual([[bulk(val), bulk(''), bulk(Buffer.from('wörld'))]]);
    const json = JSON.parse(store.body(KEY)!.toString('utf8'));
    expect(json.data['héllo']).toBe('wörld');
    expect(json.data64[key.toString('base64')]).toEqual({ b64: val.toString('base64') });
  });
});

describe('a command that throws mid-batch (a bug)', () => {
  // Registered only for this test: writes, then throws, like a buggy future command.
  const registry = COMMANDS as Map<string, Command>;
  beforeAll(() =>
    registry.set('buggy', {
      spec: { ...COMMANDS.get('set')!.spec, name: 'buggy', arity: 2 },
      run(args, { db }) {
        db.set(args.key(), Buffer.from('half-done'));
        throw new TypeError('bug');
      },
    }),
  );
  afterAll(() => registry.delete('buggy'));

  test('fails that batch only; the warm cache never serves or commits its half-done write', async () => {
    const { store, h } = setup();
    expect(repliesOf(await h(batch('w1', [['SET', 'k', 'v']])))).toEqual([[OK]]);
    await expect(h(batch('bad', [['BUGGY', 'k']]))).rejects.toThrow('bug');
    expect(repliesOf(await h(batch('r1', [['GET', 'k']])))).toEqual([[bulk('v')]]);
    expect(repliesOf(await h(batch('w2', [['SET', 'other', '1']])))).toEqual([[OK]]);
    expect(value(store, 'k')).toBe('v');
  });
});
