/**
 * The differential test of `npm test`: random command sequences sent to
 * valthree and to redis-server 7.0.15, over RESP2 and RESP3, with identical
 * replies required (allow-list.ts lists what may differ, and why). A fixed
 * seed and a bounded number of sequences here; long runs:
 * `npm run differential -- --runs 100000 --seed N`.
 *
 * The generator uses only commands valthree lists in COMMAND LIST and only
 * the option forms whose feature probe passes (commands.ts), so this suite
 * covers each command the day it lands.
 */
import { ENGINE_SPECS, PROXY_SPECS } from '../../lambda/specs';
import { NOT_IN_REFERENCE } from './allow-list';
import { GENERATORS } from './commands';
import { startTargets, type Targets } from './harness';
import { runDifferential } from './property';

const SEED = 20260301;
const RUNS = 300;
const MAX_COMMANDS = 12;

/**
 * Proxy commands that change or read the connection itself (and would make
 * two servers differ for reasons unrelated to data: client ids, server info),
 * so they are not generated. Everything else in the spec table must have a
 * generator entry.
 */
const NOT_GENERATED: Record<string, string> = {
  auth: 'no password on either server',
  hello: 'sent once per connection by the runner (RESP3); its reply names the server and version',
  quit: 'closes the connection',
  reset: 'resets the connection (and its protocol)',
  client: 'connection ids, names and lists differ between two servers',
  info: 'server statistics',
  config: 'server configuration',
  command: 'compared field by field in test/e2e/command-info.test.ts',
};

test('every command in the spec table has a generator entry (or a reason it is not generated)', () => {
  const missing = [...ENGINE_SPECS, ...PROXY_SPECS].map((s) => s.name).filter((n) => !(n in GENERATORS) && !(n in NOT_GENERATED) && !(n in NOT_IN_REFERENCE));
  expect(missing).toEqual([]);
});

describe('valthree against redis-server', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await startTargets();
  });
  afterAll(() => targets?.close());

  test(`${RUNS} random sequences of ≤ ${MAX_COMMANDS} commands (seed ${SEED}), each over RESP2 and RESP3: the same replies`, async () => {
    const { setup } = targets.diff;
    // The engine's commands today are at least these; the list grows as commands land.
    for (const c of ['get', 'set', 'incr', 'del', 'flushall', 'ping', 'echo', 'select']) expect(setup.commands).toContain(c);
    const result = await runDifferential(targets.diff, { runs: RUNS, seed: SEED, maxCommands: MAX_COMMANDS });
    const { stats } = targets.diff;
    console.log(
      `differential: ${stats.sequences} sequences, ${stats.steps} steps; commands: ${setup.commands.join(' ')}; ` +
        `features: ${[...setup.features].join(' ') || '(none)'}; not yet in valthree: ${Object.keys(GENERATORS).filter((c) => !setup.listed.has(c)).join(' ') || '(none)'}`,
    );
    if (result.failed) throw new Error(`valthree differs from redis-server (replay: npm run differential -- --runs ${RUNS} --seed ${SEED}):\n${result.report}`);
    // Every command the generator may use was used.
    for (const c of setup.commands) expect(stats.byCommand[c]).toBeGreaterThan(0);
  }, 120_000);
});

/**
 * redis-server against a second redis-server, with every command and every
 * feature: proves the test itself — the generator sends nothing whose reply
 * depends on timing or order beyond what the allow-list normalises — so a
 * failure above is valthree's.
 */
describe('redis-server against itself (checks the generator and the allow-list)', () => {
  let targets: Targets;
  beforeAll(async () => {
    targets = await startTargets({ self: true });
  });
  afterAll(() => targets?.close());

  test('every generated command and form, 200 sequences: no difference', async () => {
    expect(targets.diff.setup.commands).toEqual(Object.keys(GENERATORS));
    expect([...targets.diff.setup.features].sort()).toEqual(['dbs', 'expire-options', 'set-options']);
    const result = await runDifferential(targets.diff, { runs: 200, seed: SEED, maxCommands: MAX_COMMANDS });
    if (result.failed) throw new Error(result.report);
  }, 120_000);
});
