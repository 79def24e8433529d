/**
 * ioredis transactions through its public API: multi() pipelines (MULTI, the
 * queued commands and EXEC in one write), multi({ pipeline: false }), and
 * watch() + multi() optimistic-lock loops, with clients on both endpoints
 * (on valthree, both proxies) working on the same keys.
 */
import type Redis from 'ioredis';
import { TARGETS, connect, connectMany, sleep, uniqueKey, type ScriptTarget } from './script-targets';

/** An [error, result] pair as ioredis's exec() gives it, with the error reduced to its message. */
const pairs = (r: [Error | null, unknown][] | null) => r?.map(([e, v]) => [e ? e.message : null, e ? null : v]) ?? null;

describe.each(TARGETS)('ioredis multi() on %s', (_name, start) => {
  let target: ScriptTarget;
  let a: Redis;
  let b: Redis;
  beforeAll(async () => {
    target = await start();
    [a, b] = [connect(target, 0), connect(target, 1)];
  });
  afterAll(async () => {
    a?.disconnect();
    b?.disconnect();
    await target?.close();
  });

  test('exec() answers every command with [err, result]; a command failing at run time does not undo the others', async () => {
    const k = uniqueKey('m');
    const r = await a.multi().set(k, 'x').incr(k).append(k, 'y').get(k).exists(k).exec();
    expect(pairs(r)).toEqual([
      [null, 'OK'],
      ['ERR value is not an integer or out of range', null],
      [null, 2],
      [null, 'xy'],
      [null, 1],
    ]);
    expect(await b.get(k)).toBe('xy');
  });

  test('a command refused while queuing (unknown, wrong arity) aborts the whole transaction: EXECABORT, nothing applied', async () => {
    const k = uniqueKey('m');
    const unknown = a.multi().set(k, 'x').call('NOSUCHCOMMAND', 'a').exec();
    await expect(unknown).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
    const arity = b.multi().set(k, 'x').call('GET').exec();
    await expect(arity).rejects.toThrow('EXECABORT Transaction discarded because of previous errors.');
    await arity.catch((e: Error & { previousErrors?: Error[] }) => {
      expect(e.previousErrors?.map((p) => p.message)).toEqual(["ERR wrong number of arguments for 'get' command"]);
    });
    expect(await a.exists(k)).toBe(0);
    // The connections are out of their transactions and serve plain commands again.
    expect(await a.set(k, 'after')).toBe('OK');
    expect(await b.get(k)).toBe('after');
  });

  test('multi({ pipeline: false }): each command answers QUEUED, then exec() runs them', async () => {
    const c = connect(target, 1);
    try {
      const k = uniqueKey('m');
      expect(await c.multi({ pipeline: false })).toBe('OK');
      expect(await c.set(k, '10')).toBe('QUEUED');
      expect(await c.incrby(k, 5)).toBe('QUEUED');
      // Not yet applied: another client does not see it.
      expect(await a.get(k)).toBeNull();
      expect(pairs(await c.exec())).toEqual([
        [null, 'OK'],
        [null, 15],
      ]);
      expect(await a.get(k)).toBe('15');
      expect(await c.multi({ pipeline: false })).toBe('OK');
      expect(await c.set(k, 'gone')).toBe('QUEUED');
      expect(await c.discard()).toBe('OK');
      expect(await a.get(k)).toBe('15');
    } finally {
      c.disconnect();
    }
  });

  test("transactions are atomic: concurrent readers never see half of another client's transaction", async () => {
    const [x, y] = [uniqueKey('x'), uniqueKey('y')];
    const conns = connectMany(target, 8);
    try {
      const writes = 12;
      const torn: string[] = [];
      const writers = conns.slice(0, 4).map(async (c) => {
        for (let i = 0; i < writes; i++) {
          const r = await c.multi().incr(x).incr(y).exec();
          expect(r?.every(([e]) => e === null)).toBe(true);
        }
      });
      let writing = true;
      const readers = conns.slice(4).map(async (c) => {
        let reads = 0;
        while (writing || reads < 3) {
          const r = await c.multi().get(x).get(y).exec();
          const [vx, vy] = (r ?? []).map(([, v]) => v);
          if (vx !== vy) torn.push(`${vx} ≠ ${vy}`);
          reads++;
        }
      });
      // Readers stop once the writers are done, whether or not they succeeded.
      const written = await Promise.allSettled(writers);
      writing = false;
      await Promise.all(readers);
      for (const w of written) if (w.status === 'rejected') throw w.reason;
      expect(torn).toEqual([]);
      expect(await a.mget(x, y)).toEqual([String(4 * writes), String(4 * writes)]);
    } finally {
      for (const c of conns) c.disconnect();
    }
  });

  test('watch(): a write by a client on the other endpoint makes exec() return null and applies nothing', async () => {
    const [k, other] = [uniqueKey('w'), uniqueKey('w')];
    const c = connect(target, 0);
    try {
      await a.set(k, '1');
      expect(await c.watch(k)).toBe('OK');
      expect(await b.set(k, '2')).toBe('OK');
      expect(await c.multi().set(k, 'mine').set(other, 'mine').exec()).toBeNull();
      expect(await a.mget(k, other)).toEqual(['2', null]);

      // A write to another key does not abort; UNWATCH forgets the watched key.
      await c.watch(k);
      await b.set(other, 'theirs');
      expect(pairs(await c.multi().set(k, 'mine').exec())).toEqual([[null, 'OK']]);
      await c.watch(k);
      expect(await c.unwatch()).toBe('OK');
      await b.set(k, '3');
      expect(pairs(await c.multi().set(k, 'mine-again').exec())).toEqual([[null, 'OK']]);
      expect(await b.get(k)).toBe('mine-again');
    } finally {
      c.disconnect();
    }
  });

  test('watch(): a watched key that expires before EXEC aborts it', async () => {
    const [k, other] = [uniqueKey('w'), uniqueKey('w')];
    const c = connect(target, 1);
    try {
      await a.set(k, 'v', 'PX', 200);
      const setAt = Date.now();
      await c.watch(k);
      // The PX deadline was at most 200 ms after the SET was answered.
      await sleep(Math.max(0, setAt + 300 - Date.now()));
      expect(await c.multi().set(other, 'x').exec()).toBeNull();
      expect(await a.exists(other)).toBe(0);
    } finally {
      c.disconnect();
    }
  });

  test('watch() + multi() optimistic-lock loops on both endpoints: one winner per contended round, every increment lands once', async () => {
    const k = uniqueKey('counter');
    const workers = 6;
    const increments = 5;
    const conns = connectMany(target, workers);
    try {
      await a.set(k, '0');
      // One contended round: all watch and read 0 before any EXEC, so exactly one EXEC can land.
      const read = await Promise.all(conns.map(async (c) => (await c.watch(k), Number(await c.get(k)))));
      expect(read).toEqual(new Array(workers).fill(0));
      const round = await Promise.all(conns.map((c, i) => c.multi().set(k, String(read[i] + 1)).exec()));
      expect(round.filter((r) => r !== null)).toHaveLength(1);
      expect(await b.get(k)).toBe('1');

      // Then free-running compare-and-set loops until each worker has landed its increments.
      const landed = round.map((r) => (r === null ? 0 : 1));
      await Promise.all(
        conns.map(async (c, i) => {
          while (landed[i] < increments) {
            await c.watch(k);
            const v = Number(await c.get(k));
            if ((await c.multi().set(k, String(v + 1)).exec()) !== null) landed[i]++;
          }
        }),
      );
      // Every EXEC that was not aborted applied one increment: no lost update, none applied twice.
      expect(await b.get(k)).toBe(String(workers * increments));
    } finally {
      for (const c of conns) c.disconnect();
    }
  });
});
