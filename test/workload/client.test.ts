/**
 * The workload client's operations without a cluster: the mix it draws (with
 * and without INCR), the commands it sends and how replies are recorded.
 */
import { isDropped } from '../checker/check';
import { HistoryRecorder, integerValue, type OpInput } from '../checker/history';
import { prng } from '../support/faults';
import { WorkloadClient, commandOf, outputOf, type ClientContext } from './client';
import { DEFAULTS, parseCli } from './options';

const KEYS = ['wl:r:0:0', 'wl:r:0:1', 'wl:r:0:2', 'wl:r:0:3'];

/** The first n inputs a client with this seed draws. */
function draws(incr: boolean, n: number, keys = KEYS, seed = 1): OpInput[] {
  const ctx: ClientContext = {
    recorder: new HistoryRecorder(),
    hotKeys: () => keys,
    stopped: () => false,
    opTimeoutMs: 1000,
    flushallRate: 0.002,
    incr,
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
});

describe('commands and replies', () => {
  test('INCR is sent as INCR key', () => {
    expect(commandOf({ op: 'incr', key: 'k' })).toEqual(['INCR', 'k']);
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
