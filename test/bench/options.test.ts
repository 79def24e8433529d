/** `npm run bench` flags (test/bench/options.ts): the ones issue 15's measurements added, and their refusals. */
import { BENCH_DEFAULTS, BENCH_HELP, parseBenchArgs } from './options';

describe('bench options', () => {
  it('parses --cold, --warmup, --batches and the lambda-memory workload', () => {
    const o = parseBenchArgs(['--workload', 'lambda-memory', '--prefill', '1000000', '--batches', '300', '--cold', '40', '--warmup', '20']);
    expect(o).toMatchObject({ workload: 'lambda-memory', prefill: 1_000_000, batches: 300, cold: 40, warmup: 20 });
    expect(parseBenchArgs(['--workload', 'get', '--cold', '12.7']).cold).toBe(12);
  });

  it('defaults: no cold samples, the warm-up rule of before, 200 batches', () => {
    const o = parseBenchArgs([]);
    expect(o).toEqual(BENCH_DEFAULTS);
    expect(o.cold).toBe(0);
    expect(o.warmup).toBeUndefined();
    expect(o.batches).toBe(200);
  });

  it('refuses what is not a count, and names the flag', () => {
    expect(() => parseBenchArgs(['--cold', 'x'])).toThrow('--cold needs a non-negative number');
    expect(() => parseBenchArgs(['--warmup', '-1'])).toThrow('--warmup needs a non-negative number');
    expect(() => parseBenchArgs(['--batches'])).toThrow('--batches needs a non-negative number');
    expect(() => parseBenchArgs(['--workload', 'memory'])).toThrow(/lambda-memory/);
    expect(parseBenchArgs(['--batches', '0']).batches).toBe(1);
    expect(() => parseBenchArgs(['--cold', '5', '--executor', 'in-process'])).toThrow('--cold needs --executor lambda');
  });

  it('documents every new flag in --help', () => {
    for (const flag of ['--cold N', '--warmup S', '--batches N', 'lambda-memory']) expect(BENCH_HELP).toContain(flag);
  });
});
