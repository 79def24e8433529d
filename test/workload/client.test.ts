/**
 * The workload client's operations without a cluster: the mix it draws (with
 * and without INCR), the commands it sends and how replies are recorded.
 */
import { isDropped } from '../checker/check';
import { HistoryRecorder, integerValue, type OpInput } from '../checker/history';
import { prng } from '../support/faults';
import { WorkloadClient, commandOf, outputOf, type ClientContext } from './client';
import { familyKeys, familyReply } from './families';
import { DEFAULTS, parseCli } from './options';

const KEYS = ['wl:r:0:0', 'wl:r:0:1', 'wl:r:0:2', 'wl:r:0:3'];

/** The first n inputs a client with this seed draws. */
function draws(incr: boolean, n: number, keys = KEYS, seed = 1, ttl = false): OpInput[] {
  const ctx: ClientContext = {
    recorder: new HistoryRecorder(),
    hotKeys: () => keys,
    stopped: () => false,
    opTimeoutMs: 1000,
    flushallRate: 0.002,
    incr,
    ttl,
    ttlMs: [100, 400],
    thinkMs: 0,
  };
  const c = new WorkloadClient(3, 0, { host: '127.0.0.1', port: 1 }, prng(seed), ctx) as unknown as { nextInput(): OpInput };
  return Array.from({ length: n }, () => c.nextInput());
}

describe('the operation mix', () => {
  test('INCR is on by default; --no-incr turns it off', () => {
    expect(DEFAULTS.incr).toBe(true);
    expect(parseCli(['--seed', '1'])).toMatchObject({ incr: true });
    expect(parseCli(['--no-incr', '--seed', '1'])).toMatchObject({ incr: false });
  });

  test('with INCR: every other key is a counter (GET, INCR, SET of integers, DEL); the others stay registers', () => {
    const ops = draws(true, 20_000);
    const on = (k: string) => ops.filter((o) => o.op !== 'flushall' && o.key === k);
    for (const k of [KEYS[1], KEYS[3]]) {
      const kinds = new Set(on(k).map((o) => o.op));
      expect([...kinds].sort()).toEqual(['del', 'get', 'incr', 'set']);
      for (const o of on(k)) if (o.op === 'set') expect(integerValue(o.value)).toBeDefined();
    }
    for (const k of [KEYS[0], KEYS[2]]) {
      expect(on(k).some((o) => o.op === 'incr')).toBe(false);
      for (const o of on(k)) if (o.op === 'set') expect(integerValue(o.value)).toBeUndefined();
    }
    // A real share of the operations, and counters that get reset.
    const share = (op: OpInput['op']) => ops.filter((o) => o.op === op).length / ops.length;
    expect(share('incr')).toBeGreaterThan(0.12);
    expect(share('incr')).toBeLessThan(0.25);
    expect(share('flushall')).toBeGreaterThan(0);
    // Every SET writes a value no other SET writes, integers included.
    const values = ops.flatMap((o) => (o.op === 'set' ? [o.value] : []));
    expect(new Set(values).size).toBe(values.length);
  });

  test('a single hot key is a counter too', () => {
    const ops = draws(true, 2000, ['wl:r:0:0']);
    expect(ops.some((o) => o.op === 'incr')).toBe(true);
  });

  test('without INCR the mix is GET/SET/DEL/FLUSHALL as before', () => {
    const ops = draws(false, 5000);
    expect(new Set(ops.map((o) => o.op))).toEqual(new Set(['get', 'set', 'del', 'flushall']));
  });

  test('counters see INCRBY 2..9 besides INCR', () => {
    const bys = draws(true, 20_000).flatMap((o) => (o.op === 'incr' && o.by !== undefined ? [o.by] : []));
    expect(bys.length).toBeGreaterThan(500);
    expect(Math.min(...bys)).toBe(2);
    expect(Math.max(...bys)).toBe(9);
  });

  test('TTLs are on by default (--no-ttl: off); keys 2 and 3 of every 4 get them, the others never', () => {
    expect(DEFAULTS.ttl).toBe(true);
    expect(parseCli(['--seed', '1'])).toMatchObject({ ttl: true, ttlMs: [100, 400] });
    expect(parseCli(['--no-ttl', '--seed', '1'])).toMatchObject({ ttl: false });
    expect(parseCli(['--ttl-ms', '50-80', '--seed', '1'])).toMatchObject({ ttlMs: [50, 80] });
    expect(() => parseCli(['--ttl-ms', '80-50'])).toThrow(/MIN-MAX/);
    const ops = draws(true, 40_000, KEYS, 1, true);
    const on = (k: string) => ops.filter((o) => o.op !== 'flushall' && o.key === k);
    const timed = (o: OpInput): boolean => o.op === 'pexpire' || o.op === 'pttl' || (o.op === 'set' && o.px !== undefined);
    for (const k of [KEYS[0], KEYS[1]]) expect(on(k).some(timed)).toBe(false);
    // A register with TTLs, and a counter with TTLs (INCR/INCRBY keep them).
    expect(new Set(on(KEYS[2]).map((o) => o.op))).toEqual(new Set(['get', 'pttl', 'set', 'pexpire', 'del']));
    expect(new Set(on(KEYS[3]).map((o) => o.op))).toEqual(new Set(['get', 'incr', 'pttl', 'set', 'pexpire', 'del']));
    for (const k of [KEYS[2], KEYS[3]]) {
      const ttls = on(k).flatMap((o) => (o.op === 'set' && o.px !== undefined ? [o.px] : o.op === 'pexpire' ? [o.ms] : []));
      expect(Math.min(...ttls)).toBe(100);
      expect(Math.max(...ttls)).toBe(400);
      // Few writes: TTLs run out between them.
      expect(on(k).filter((o) => o.op !== 'get' && o.op !== 'pttl').length / on(k).length).toBeLessThan(0.5);
    }
    for (const o of on(KEYS[3])) if (o.op === 'set') expect(integerValue(o.value)).toBeDefined();
  });
});

describe('commands and replies', () => {
  test('INCR is sent as INCR key', () => {
    expect(commandOf({ op: 'incr', key: 'k' })).toEqual(['INCR', 'k']);
  });

  test('INCRBY, SET … PX, PEXPIRE and PTTL as Redis spells them', () => {
    expect(commandOf({ op: 'incr', key: 'k', by: 7 })).toEqual(['INCRBY', 'k', '7']);
    expect(commandOf({ op: 'set', key: 'k', value: 'v', px: 250 })).toEqual(['SET', 'k', 'v', 'PX', '250']);
    expect(commandOf({ op: 'pexpire', key: 'k', ms: 300 })).toEqual(['PEXPIRE', 'k', '300']);
    expect(commandOf({ op: 'pttl', key: 'k' })).toEqual(['PTTL', 'k']);
  });

  test('registers inside aggregates: a hash field and a sorted-set member stand for a key, their replies read as the register model reads a key\'s', () => {
    const [field, member] = ['hash:h|f1', 'zset:z|m0'];
    expect(commandOf({ op: 'get', key: field })).toEqual(['HGET', 'h', 'f1']);
    expect(commandOf({ op: 'set', key: field, value: 'v' })).toEqual(['HSET', 'h', 'f1', 'v']);
    expect(commandOf({ op: 'del', key: field })).toEqual(['HDEL', 'h', 'f1']);
    expect(commandOf({ op: 'incr', key: field, by: 3 })).toEqual(['HINCRBY', 'h', 'f1', '3']);
    expect(commandOf({ op: 'get', key: member })).toEqual(['ZSCORE', 'z', 'm0']);
    expect(commandOf({ op: 'set', key: member, value: '5000' })).toEqual(['ZADD', 'z', '5000', 'm0']);
    expect(commandOf({ op: 'del', key: member })).toEqual(['ZREM', 'z', 'm0']);
    expect(commandOf({ op: 'incr', key: member })).toEqual(['ZINCRBY', 'z', '1', 'm0']);
    expect(() => commandOf({ op: 'pttl', key: member })).toThrow(/aggregate register/);
    // HSET's and ZADD's counts are their OK; ZINCRBY's score text its integer; anything else stays as it came.
    expect(outputOf(familyReply({ op: 'set', key: field, value: 'v' }, { t: 'int', v: 1n }))).toEqual({ kind: 'ok' });
    expect(outputOf(familyReply({ op: 'incr', key: member }, { t: 'bulk', v: Buffer.from('5001') }))).toEqual({ kind: 'int', n: 5001 });
    expect(outputOf(familyReply({ op: 'incr', key: member }, { t: 'bulk', v: Buffer.from('1.5') }))).toEqual({ kind: 'value', value: '1.5' });
    expect(outputOf(familyReply({ op: 'get', key: member }, { t: 'null' }))).toEqual({ kind: 'value', value: null });
    // A plain key's SET answered with an integer stays wrong, for the checker to find.
    expect(outputOf(familyReply({ op: 'set', key: 'k', value: 'v' }, { t: 'int', v: 1n }))).toEqual({ kind: 'int', n: 1 });
    // A set member: "1" while in the set.
    const inSet = 'set:s|s0';
    expect([commandOf({ op: 'get', key: inSet }), commandOf({ op: 'set', key: inSet, value: '1' }), commandOf({ op: 'del', key: inSet })]).toEqual([
      ['SISMEMBER', 's', 's0'],
      ['SADD', 's', 's0'],
      ['SREM', 's', 's0'],
    ]);
    expect(() => commandOf({ op: 'set', key: inSet, value: 'other' })).toThrow(/set member register/);
    expect(outputOf(familyReply({ op: 'get', key: inSet }, { t: 'int', v: 1n }))).toEqual({ kind: 'value', value: '1' });
    expect(outputOf(familyReply({ op: 'get', key: inSet }, { t: 'int', v: 0n }))).toEqual({ kind: 'value', value: null });
    expect(outputOf(familyReply({ op: 'get', key: inSet }, { t: 'int', v: 2n }))).toEqual({ kind: 'int', n: 2 });
    expect(outputOf(familyReply({ op: 'set', key: inSet, value: '1' }, { t: 'int', v: 0n }))).toEqual({ kind: 'ok' });
    expect(familyKeys('run', 2)).toEqual(['hash:wlh:run:2|f0', 'hash:wlh:run:2|f1', 'zset:wlz:run:2|m0', 'zset:wlz:run:2|m1', 'set:wls:run:2|s0', 'set:wls:run:2|s1']);
  });

  test('an integer reply is a number, or past 2^53 its decimal string', () => {
    expect(outputOf({ t: 'int', v: 6n })).toEqual({ kind: 'int', n: 6 });
    expect(outputOf({ t: 'int', v: 9223372036854775807n })).toEqual({ kind: 'int', n: '9223372036854775807' });
  });

  test("INCR's replies in the history: a count, a value error (an observation), a refusal (dropped)", () => {
    const rec = new HistoryRecorder(() => 0);
    const record = (reply: Parameters<typeof outputOf>[0]) => {
      const h = rec.begin(0, { op: 'incr', key: 'k' });
      const out = outputOf(reply);
      if ('error' in out) rec.fail(h, out.error);
      else rec.end(h, out);
    };
    record({ t: 'int', v: 1n });
    record({ t: 'error', v: 'ERR value is not an integer or out of range' });
    record({ t: 'error', v: "ERR unknown command 'INCR', with args beginning with: 'k' " });
    record({ t: 'error', v: 'UNKNOWN outcome unknown: Lambda invoke timed out' });
    const [ok, notInt, unknownCommand, unknown] = rec.history();
    expect(ok.output).toEqual({ kind: 'int', n: 1 });
    expect(notInt.output).toMatchObject({ kind: 'error', applied: 'no' });
    expect(isDropped(notInt)).toBe(false);
    // A server without INCR: not applied, so the run stays checkable.
    expect(unknownCommand.output).toMatchObject({ kind: 'error', applied: 'no' });
    expect(isDropped(unknownCommand)).toBe(true);
    expect(unknown.output).toMatchObject({ kind: 'error', applied: 'unknown' });
    expect(isDropped(unknown)).toBe(false);
  });
});
