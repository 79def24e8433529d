/**
 * The commit window of a sole-writer store (the file store): kept in memory,
 * shared by every handler over the store, never written into db.json — and
 * WATCH as correct as with the window in the document.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CONTRACT_VERSION, encodeTransaction, WatchState, type WatchToken, type WireReply } from '../../lambda/contract';
import { decodeArg, encodeArg } from '../../lambda/contract-wire';
import { keyMark } from '../../lambda/changes';
import { CommitWindow, LOCAL_WINDOW } from '../../lambda/document-commits';
import { Document } from '../../lambda/document';
import { createHandler, createLocalHandler, type BatchHandler } from '../../lambda/handler';
import { FileStore } from '../../lambda/store/file';
import { b, batch, bulk, OK, repliesOf } from './util';

const NULL_ARRAY: WireReply = { t: 'null', array: true };
let dir: string;
let store: FileStore;
let n = 0;

beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-window-'));
  store = new FileStore(dir);
});

afterEach(() => {
  store.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const handler = () => createHandler({ store, sleep: async () => undefined });
const send = async (h: BatchHandler, ...commands: (string | Buffer)[][]) => repliesOf(await h(batch(`b${n++}`, commands)))[0];
const onDisk = () => JSON.parse(fs.readFileSync(path.join(dir, 'db.json'), 'utf8')) as { seq: number; commits: unknown[] };

async function watch(h: BatchHandler, ...keys: string[]): Promise<WatchToken[]> {
  const [reply] = await send(h, ['WATCH', ...keys]);
  if (reply.t !== 'array') throw new Error(`WATCH answered ${JSON.stringify(reply)}`);
  const [seq, ...states] = reply.v.map((r) => Number((r as { v: number }).v));
  return keys.map((k, i) => ({ db: 0, key: encodeArg(b(k)), seq, state: states[i] as WatchState }));
}

const exec = (watch: WatchToken[], ...commands: string[][]): Buffer[] => encodeTransaction({ watch, commands: commands.map((c) => ({ db: 0, argv: c.map((w) => encodeArg(b(w))) })) });

it('db.json carries no commit records, however many batches committed', async () => {
  const h = handler();
  for (let i = 0; i < 20; i++) await send(h, ['SET', `k${i}`, 'v']);
  expect(onDisk()).toMatchObject({ seq: 20, commits: [] });
});

it('EXEC aborts when another handler over the store changed a watched key, and commits when it changed another', async () => {
  const [a, other] = [handler(), handler()];
  await send(a, ['SET', 'k', 'v']);
  const t = await watch(a, 'k');
  await send(other, ['SET', 'k', 'theirs']);
  expect(await send(a, exec(t, ['SET', 'k', 'mine']))).toEqual([NULL_ARRAY]);
  expect(await send(other, ['GET', 'k'])).toEqual([bulk('theirs')]);

  const again = await watch(a, 'k');
  await send(other, ['SET', 'unrelated', 'x']);
  expect(await send(a, exec(again, ['SET', 'k', 'mine']))).toEqual([{ t: 'array', v: [OK] }]);
  expect(await send(other, ['GET', 'k'])).toEqual([bulk('mine')]);
});

it('a handler whose cached document is older than the window still reads exactly the records after a WATCH', async () => {
  const [stale, fresh] = [handler(), handler()];
  await send(stale, ['SET', 'k', 'v']);
  const t = await watch(fresh, 'k');
  // The stale handler's cache stops here; the fresh one commits twice more, the second time to k.
  await send(fresh, ['SET', 'x', '1']);
  await send(fresh, ['SET', 'k', '2']);
  // A read-only EXEC on the stale handler: it runs on its old copy first, and
  // must not take the window's newest records for its own (then re-reads).
  expect(await send(stale, exec(t, ['GET', 'k']))).toEqual([NULL_ARRAY]);
});

it('a commit whose write failed leaves no record behind', async () => {
  const [a, other] = [handler(), handler()];
  await send(a, ['SET', 'k', '1']);
  await send(other, ['SET', 'k', '2']);
  // a's cache is stale: its first attempt conflicts, its second commits; the window holds each commit once.
  await send(a, ['SET', 'k', '3']);
  const doc = Document.decode(fs.readFileSync(path.join(dir, 'db.json')));
  expect(doc.seq).toBe(3);
  const t = await watch(a, 'k');
  await send(other, ['SET', 'elsewhere', 'x']);
  expect(await send(a, exec(t, ['GET', 'k']))).toEqual([{ t: 'array', v: [bulk('3')] }]);
});

it('records a db.json still carries (written with the window inside) seed the window, and are written no more', async () => {
  const old = Document.empty();
  old.set(b('k'), b('v'));
  old.seq = 5;
  old.recordCommit({ id: 'old-5', at: Date.now(), r: [], c: [] });
  fs.writeFileSync(path.join(dir, 'db.json'), old.encode());
  const h = handler();
  // Recognised as committed (its replies were not kept): answered, never applied again.
  const [[replay]] = repliesOf(await h(batch('old-5', [['SET', 'k', 'again']])));
  expect(replay).toMatchObject({ t: 'error', v: expect.stringMatching(/^UNKNOWN /) });
  expect(await send(h, ['GET', 'k'])).toEqual([bulk('v')]);
  await send(h, ['SET', 'k', 'new']);
  expect(onDisk().commits).toEqual([]);
});

describe('CommitWindow kept in memory', () => {
  const rec = (id: string, at: number) => ({ id, at, r: [], c: [] });

  it('answers the records between two commit numbers, or null when it does not hold all of them', () => {
    const w = new CommitWindow(false);
    for (let seq = 3; seq <= 6; seq++) w.push(rec(`c${seq}`, 0), seq);
    expect(w.between(3, 5)?.map((c) => c.id)).toEqual(['c4', 'c5']);
    expect(w.between(5, 5)).toEqual([]);
    expect(w.between(1, 5)).toBeNull();
    expect(w.between(5, 7)).toBeNull();
    expect(w.encode()).toBe('');
    expect(w.bytes).toBe(0);
  });

  it('keeps records by age, not by count (LOCAL_WINDOW)', () => {
    const w = new CommitWindow(false);
    for (let seq = 1; seq <= 20_000; seq++) w.push(rec(`c${seq}`, 1000), seq);
    w.trim(1000 + LOCAL_WINDOW.retainMs, LOCAL_WINDOW);
    expect(w.size).toBe(20_000);
    w.trim(1001 + LOCAL_WINDOW.retainMs, LOCAL_WINDOW);
    expect(w.size).toBe(1);
    expect(w.find('c20000')).toBeDefined();
    expect(w.find('c1')).toBeUndefined();
  });
});

describe('change marks of a sole-writer store: what WATCH and blocked clients wake on', () => {
  it('a WATCH on a hash, a list and a sorted set is broken by another handler writing that key, not by one writing elsewhere', async () => {
    const [a, other] = [handler(), handler()];
    await send(a, ['HSET', 'h', 'f', '1'], ['RPUSH', 'l', 'x'], ['ZADD', 'z', '1', 'm']);
    for (const [key, write] of [['h', ['HSET', 'h', 'f', '2']], ['l', ['LPOP', 'l']], ['z', ['ZINCRBY', 'z', '1', 'm']]] as const) {
      const t = await watch(a, key);
      await send(other, ['HSET', 'elsewhere', 'f', 'v']);
      const untouched = await watch(a, key);
      await send(other, [...write]);
      expect(await send(a, exec(t, ['TYPE', key]))).toEqual([NULL_ARRAY]);
      const after = await watch(a, key);
      await send(other, ['SADD', 'elsewhere2', key]);
      expect(await send(a, exec(after, ['EXISTS', key]))).toEqual([{ t: 'array', v: [{ t: 'int', v: key === 'l' ? 0 : 1 }] }]);
      expect(untouched[0].seq).toBeGreaterThan(t[0].seq);
    }
  });

  it("a commit answers its change marks, in the wire form and the typed one; a blocked BLPOP's retry pops what the push added", async () => {
    const [a, other] = [handler(), createLocalHandler({ store, sleep: async () => undefined })];
    const [[blocked]] = repliesOf(await a(batch('pop-1', [['BLPOP', 'q', '1.5']])));
    expect(blocked).toEqual({ t: 'blocked', retry: ['blpop', 'q', '1.5'].map((w) => encodeArg(b(w))), keys: [encodeArg(b('q'))], timeoutMs: 1500, onTimeout: NULL_ARRAY });
    const pushed = await other({ v: CONTRACT_VERSION, batchId: 'push-1', sessions: [{ id: '0', commands: [[b('LPUSH'), b('q'), b('x')]] }] });
    expect(pushed).toMatchObject({ ok: true, changed: [keyMark(0, b('q'))], sessions: [{ replies: [{ t: 'int', v: 1 }] }] });
    if (blocked.t !== 'blocked') throw new Error('not blocked');
    const retried = await a(batch('pop-2', [blocked.retry.map(decodeArg)]));
    expect(repliesOf(retried)).toEqual([[{ t: 'array', v: [bulk('q'), bulk('x')] }]]);
    expect(retried).toMatchObject({ changed: [keyMark(0, b('q'))] });
    // Nothing committed, nothing to wake on.
    expect('changed' in (await a(batch('read-1', [['LLEN', 'q']])))).toBe(false);
  });
});
