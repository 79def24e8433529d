/**
 * The whole-database commands on paged databases against Debian's
 * redis-server (the reference): the same writes on both, then KEYS, SCAN
 * (the set of keys a full iteration returns; cursors are valthree's own hash
 * positions), DBSIZE, RANDOMKEY (a key redis-server has), SWAPDB, and
 * FLUSHALL inside MULTI followed by writes.
 */
import { ours, referenceRedis, theirs } from '../lambda/reference';
import { ok, request, rootOf, text, twins, tx, words, type Twins } from './whole-commands.support';

const server = referenceRedis();

const byJson = (a: unknown, b: unknown): number => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1);
/** KEYS' order is unspecified on both: compared sorted. */
const unordered = (r: unknown): unknown => (Array.isArray(r) && r[0] === 'array' ? ['array', [...(r[1] as unknown[])].sort(byJson)] : r);

async function onRedis(db: number, commands: string[][]): Promise<unknown[]> {
  await server.client().call('SELECT', String(db));
  const out: unknown[] = [];
  for (const c of commands) out.push(theirs(await server.client().call(...c)));
  return out;
}

async function onPaged(t: Twins, db: number, commands: (string[] | Buffer[])[]): Promise<unknown[]> {
  const res = ok(await t.hp(request([{ db, commands: commands.map((c) => (Buffer.isBuffer(c[0]) ? (c as Buffer[]) : words(...(c as string[])))) }])));
  return res.sessions[0].replies.map(ours);
}

async function same(t: Twins, db: number, commands: string[][]): Promise<void> {
  const mine = (await onPaged(t, db, commands)).map((r, i) => (commands[i][0] === 'KEYS' ? unordered(r) : r));
  const reference = (await onRedis(db, commands)).map((r, i) => (commands[i][0] === 'KEYS' ? unordered(r) : r));
  expect(mine).toEqual(reference);
}

async function scanned(t: Twins, db: number): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const r = ok(await t.hp(request([{ db, commands: [words('SCAN', cursor, 'COUNT', '9')] }]))).sessions[0].replies[0];
    if (r.t !== 'array' || r.v[1].t !== 'array') throw new Error('not a SCAN reply');
    cursor = text(r.v[0]);
    keys.push(...r.v[1].v.map(text));
  } while (cursor !== '0');
  return keys.sort();
}

const READS = [['DBSIZE'], ['KEYS', '*'], ['KEYS', 'key:1?'], ['GET', 'key:7'], ['GET', 'two:7'], ['TYPE', 'hash'], ['EXISTS', 'one']];

it('paged databases answer as redis-server: KEYS, SCAN, DBSIZE, RANDOMKEY, SWAPDB, FLUSHALL in MULTI', async () => {
  await server.client().call('FLUSHALL');
  const many = Array.from({ length: 60 }, (_, i) => ['SET', `two:${i}`, `t${i}`]);
  const t = await twins(150, { 2: many, 1: [['SET', 'one', '1'], ['SET', 'key:7', 'inline']] }, async (db, cs) => void (await onRedis(db, cs)));
  expect([0, 1, 2].map((db) => rootOf(t.paged).isPaged(db))).toEqual([true, false, true]);
  for (const db of [0, 1, 2]) await same(t, db, READS);
  const all = (await onRedis(0, [['KEYS', '*']]))[0] as ['array', ['$', string][]];
  expect(await scanned(t, 0)).toEqual(all[1].map(([, k]) => k).sort());
  for (let i = 0; i < 5; i++) {
    const [k] = await onPaged(t, 0, [['RANDOMKEY']]);
    expect(await onRedis(0, [['EXISTS', (k as ['$', string])[1]]])).toEqual([[':', '1']]);
  }
  await same(t, 0, [['SWAPDB', '0', '2'], ['DBSIZE'], ['GET', 'two:3']]);
  await same(t, 1, [['SWAPDB', '1', '0'], ['KEYS', 'two:1*']]);
  for (const db of [0, 1, 2]) await same(t, db, READS);
  // MULTI … EXEC: the proxy sends it as one engine EXEC; redis-server gets the commands themselves.
  const [mine] = await onPaged(t, 2, [tx([], [2, ['FLUSHALL']], [2, ['SET', 'a', '1']], [0, ['SET', 'b', '2']], [2, ['DBSIZE']], [2, ['KEYS', '*']])]);
  await server.client().call('SELECT', '2');
  await server.client().call('MULTI');
  for (const c of [['FLUSHALL'], ['SET', 'a', '1'], ['SELECT', '0'], ['SET', 'b', '2'], ['SELECT', '2'], ['DBSIZE'], ['KEYS', '*']]) await server.client().call(...c);
  const reference = theirs(await server.client().call('EXEC')) as ['array', unknown[]];
  // redis-server's EXEC also answers the two SELECTs.
  expect(mine).toEqual(['array', reference[1].filter((_, i) => i !== 2 && i !== 4)]);
  for (const db of [0, 1, 2]) await same(t, db, READS);
});
