/**
 * WATCH and EXEC through the handler, over several batches as several
 * proxies would send them: EXEC aborts (a null array) exactly when a watched
 * key changed after its WATCH — by any writer, a delete and recreate, a
 * flush, or expiry — and never splits or loses its queued commands.
 */
import { encodeTransaction, WatchState, type BatchRequest, type WatchToken, type WireReply } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { createHandler, type HandlerOptions } from '../../lambda/handler';
import { MemoryStore } from '../support/memory-store';
import { b, batch, bulk, err, int, OK, repliesOf } from './util';

const T0 = 1_800_000_000_000;
const NULL_ARRAY: WireReply = { t: 'null', array: true };

function setup(opts: Partial<HandlerOptions> = {}) {
  const store = new MemoryStore();
  const clock = { now: T0 };
  const h = createHandler({ store, now: () => clock.now, sleep: async () => undefined, ...opts });
  let n = 0;
  const send = async (...sessions: (string | Buffer)[][][]) => repliesOf(await h(batch(`b${n++}`, ...sessions)));
  /** One session's commands in database `db`. */
  const sendIn = async (db: number, ...commands: string[][]) => {
    const req: BatchRequest = { ...batch(`b${n++}`, commands), };
    req.sessions[0].db = db;
    return repliesOf(await h(req));
  };
  return { store, clock, h, send, sendIn };
}

/** WATCH's engine reply `[seq, state…]` as the proxy keeps it. */
function tokens(reply: WireReply, keys: string[], db = 0): WatchToken[] {
  if (reply.t !== 'array') throw new Error(`WATCH answered ${JSON.stringify(reply)}`);
  const [seq, ...states] = reply.v.map((r) => Number((r as { v: number }).v));
  return keys.map((k, i) => ({ db, key: encodeArg(b(k)), seq, state: states[i] as WatchState }));
}

const exec = (watch: WatchToken[], ...commands: string[][]): Buffer[] => encodeTransaction({ watch, commands: commands.map((c) => ({ db: 0, argv: c.map((w) => encodeArg(b(w))) })) });

async function watched(send: ReturnType<typeof setup>['send'], ...keys: string[]): Promise<WatchToken[]> {
  const [[reply]] = await send([['WATCH', ...keys]]);
  return tokens(reply, keys);
}

describe('EXEC aborts when a watched key changed after the WATCH', () => {
  it('runs the queue when nothing changed, in order, errors inside the array (no rollback)', async () => {
    const { send } = setup();
    await send([['SET', 'k', 'v'], ['SET', 'n', '1']]);
    const t = await watched(send, 'k', 'absent');
    expect(await send([exec(t, ['INCR', 'n'], ['INCR', 'k'], ['GET', 'k'], ['INCR', 'n'])])).toEqual([[{ t: 'array', v: [int(2), err('ERR value is not an integer or out of range'), bulk('v'), int(3)] }]]);
    expect(await send([['GET', 'n']])).toEqual([[bulk('3')]]);
  });

  it.each([
    ['a write of the same value', [['SET', 'k', 'v']]],
    ['a delete', [['DEL', 'k']]],
    ['a delete and a recreate with the old value', [['DEL', 'k'], ['SET', 'k', 'v']]],
    ['an expiry set', [['EXPIRE', 'k', '100']]],
    ['FLUSHALL', [['FLUSHALL']]],
    ['FLUSHDB', [['FLUSHDB']]],
    ['SWAPDB', [['SWAPDB', '0', '3']]],
    ['a RENAME onto it', [['SET', 'other', 'x'], ['RENAME', 'other', 'k']]],
  ])('%s, by another connection in a later batch', async (_what, change) => {
    const { send } = setup();
    await send([['SET', 'k', 'v']]);
    const t = await watched(send, 'k');
    await send(change);
    expect(await send([exec(t, ['SET', 'k', 'mine'])])).toEqual([[NULL_ARRAY]]);
    expect((await send([['GET', 'k']]))[0][0]).not.toEqual(bulk('mine'));
  });

  it('an absent key created meanwhile, and then deleted again', async () => {
    const { send } = setup();
    const t = await watched(send, 'k');
    await send([['SET', 'k', '1']]);
    await send([['DEL', 'k']]);
    expect(await send([exec(t, ['SET', 'k', 'mine'])])).toEqual([[NULL_ARRAY]]);
  });

  it('does not abort for changes to other keys or to the same key in another database', async () => {
    const { send, sendIn } = setup();
    await send([['SET', 'k', 'v']]);
    const t = await watched(send, 'k');
    await send([['SET', 'other', '1'], ['DEL', 'k2'], ['INCR', 'k3']]);
    await sendIn(3, ['SET', 'k', 'x'], ['FLUSHDB']);
    expect(await send([exec(t, ['GET', 'k'])])).toEqual([[{ t: 'array', v: [bulk('v')] }]]);
  });

  it('a change earlier in the same batch as the EXEC (another connection) aborts it', async () => {
    const { send } = setup();
    await send([['SET', 'k', 'v']]);
    const t = await watched(send, 'k');
    expect(await send([['SET', 'k', 'other']], [exec(t, ['SET', 'k', 'mine'])])).toEqual([[OK], [NULL_ARRAY]]);
    // After the EXEC in the same batch: the EXEC ran first, it stands.
    const t2 = await watched(send, 'k');
    expect(await send([exec(t2, ['SET', 'k', 'mine'])], [['SET', 'k', 'later']])).toEqual([[{ t: 'array', v: [OK] }], [OK]]);
  });
});

describe('WATCH in a batch with other connections', () => {
  it('a change before the WATCH in its own batch does not abort; one after it does', async () => {
    const { send } = setup();
    const first = await send([['SET', 'k', '1']], [['WATCH', 'k']]);
    const t1 = tokens(first[1][0], ['k']);
    expect(t1[0].state).toBe(WatchState.Live);
    expect(await send([exec(t1, ['SET', 'k', 'mine'])])).toEqual([[{ t: 'array', v: [OK] }]]);

    const replies = await send([['WATCH', 'k']], [['SET', 'k', 'after']]);
    const t2 = tokens(replies[0][0], ['k']);
    expect(t2[0].state).toBe(WatchState.Changed);
    expect(await send([exec(t2, ['SET', 'k', 'mine'])])).toEqual([[NULL_ARRAY]]);
  });

  it('a failed command that was undone is no change', async () => {
    const { send } = setup();
    await send([['SET', 'k', 'v']]);
    const replies = await send([['WATCH', 'k']], [['SET', 'k', 'x', 'BADOPTION']]);
    expect(replies[1][0].t).toBe('error');
    expect(await send([exec(tokens(replies[0][0], ['k']), ['GET', 'k'])])).toEqual([[{ t: 'array', v: [bulk('v')] }]]);
  });
});

describe('WATCH and expiry', () => {
  it('a key live at WATCH that expires by EXEC aborts it, removed or not', async () => {
    const { send, clock } = setup();
    await send([['SET', 'k', 'v', 'PX', '100']]);
    const t = await watched(send, 'k');
    clock.now = T0 + 101;
    expect(await send([exec(t, ['SET', 'k', 'mine'])])).toEqual([[NULL_ARRAY]]);
  });

  it('a key already expired at WATCH whose removal comes later does not abort (as Redis)', async () => {
    const { send, clock, store } = setup();
    await send([['SET', 'k', 'v', 'PX', '100']]);
    clock.now = T0 + 101;
    const t = await watched(send, 'k');
    expect(t[0].state).toBe(WatchState.Expired);
    // Any later commit removes it by active expiry.
    await send([['SET', 'other', '1']]);
    expect(Document.decode(store.body('db.json')!).has(b('k'))).toBe(false);
    expect(await send([exec(t, ['SET', 'k', 'mine'])])).toEqual([[{ t: 'array', v: [OK] }]]);
  });

  it('a key already expired at WATCH that is then set again aborts', async () => {
    const { send, clock } = setup();
    await send([['SET', 'k', 'v', 'PX', '100']]);
    clock.now = T0 + 101;
    const t = await watched(send, 'k');
    await send([['SET', 'k', 'new']]);
    expect(await send([exec(t, ['GET', 'k'])])).toEqual([[NULL_ARRAY]]);
  });
});

describe('the bound: a WATCH older than the commit window aborts', () => {
  it('once the commits since the WATCH are no longer all in the window', async () => {
    const { send } = setup({ window: { retainMs: 60_000, maxEntries: 4, withReplies: 4 } });
    await send([['SET', 'k', 'v']]);
    const fresh = await watched(send, 'k');
    for (let i = 0; i < 3; i++) await send([['SET', `other${i}`, '1']]);
    expect(await send([exec(fresh, ['GET', 'k'])])).toEqual([[{ t: 'array', v: [bulk('v')] }]]);
    const old = await watched(send, 'k');
    for (let i = 0; i < 5; i++) await send([['SET', `other${i}`, '2']]);
    expect(await send([exec(old, ['GET', 'k'])])).toEqual([[NULL_ARRAY]]);
  });

  it('a commit record without change marks (an older version wrote it) aborts', async () => {
    const { send, store } = setup();
    await send([['SET', 'k', 'v']]);
    const t = await watched(send, 'k');
    const doc = Document.decode(store.body('db.json')!);
    doc.seq += 1;
    doc.recordCommit({ id: 'older-version', at: T0, r: [] });
    store.seed('db.json', doc.encode());
    expect(await send([exec(t, ['GET', 'k'])])).toEqual([[NULL_ARRAY]]);
  });
});

describe('a transaction is one unit', () => {
  it('HandlerOptions.unsafeIgnoreWatch (the broken mode) lets a stale EXEC through', async () => {
    const { send } = setup({ unsafeIgnoreWatch: true });
    await send([['SET', 'k', 'v']]);
    const t = await watched(send, 'k');
    await send([['SET', 'k', 'other']]);
    expect(await send([exec(t, ['SET', 'k', 'mine'])])).toEqual([[{ t: 'array', v: [OK] }]]);
  });

  it('queued commands run in their own databases', async () => {
    const { send, sendIn } = setup();
    const tx = encodeTransaction({ watch: [], commands: [{ db: 2, argv: ['SET', 'k', 'in2'].map((w) => encodeArg(b(w))) }, { db: 0, argv: ['SET', 'k', 'in0'].map((w) => encodeArg(b(w))) }] });
    expect(await send([tx])).toEqual([[{ t: 'array', v: [OK, OK] }]]);
    expect(await sendIn(2, ['GET', 'k'])).toEqual([[bulk('in2')]]);
    expect(await send([['GET', 'k']])).toEqual([[bulk('in0')]]);
  });

  it('a malformed payload is an error, not a crash', async () => {
    const { send } = setup();
    expect(await send([['EXEC', '{"watch":5}']])).toEqual([[err('ERR malformed transaction')]]);
  });
});

describe('change marks are kept for a bounded time', () => {
  it('a WATCH older than marksMs aborts, and db.json no longer carries the old marks', async () => {
    const { send, clock, store } = setup({ window: { retainMs: 60_000, maxEntries: 8192, withReplies: 64, marksMs: 1000 } });
    await send([['SET', 'k', 'v']]);
    const t = await watched(send, 'k');
    await send([['SET', 'other', '1']]);
    clock.now = T0 + 1500;
    await send([['SET', 'other', '2']]);
    expect(await send([exec(t, ['SET', 'k', 'mine'])])).toEqual([[NULL_ARRAY]]);
    // Trimmed by the clock of the commit before: only the two at T0 + 1500 keep marks.
    await send([['SET', 'other', '3']]);
    const records = Document.decode(store.body('db.json')!).commits;
    expect(records.map((r) => r.c !== undefined)).toEqual([false, false, true, true]);
  });
});
