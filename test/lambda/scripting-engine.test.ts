/**
 * Scripts inside the engine and the handler: redis.call runs the engine's
 * commands on the snapshot; a runtime error keeps what the script wrote
 * before it (as Redis); a script stopped by the time or memory limit is
 * undone whole; EVAL is a write and EVAL_RO a read for the proxy and for
 * exactly-once replay; a scripted batch starts an attempt only with its
 * script budget left.
 */
import { Document } from '../../lambda/document';
import { contextFor, executeOne } from '../../lambda/engine';
import { toWire } from '../../lambda/contract-wire';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { STOPPED_MEMORY, STOPPED_TIME } from '../../lambda/commands/scripting/eval';
import { createHandler } from '../../lambda/handler';
import { runsScript, writes } from '../../lambda/request';
import { aclCategories, isWrite, SPECS, type CommandSpec } from '../../lambda/specs';
import { SCRIPT_PROXY_SPECS } from '../../lambda/specs/scripting';
import { MemoryStore } from '../support/memory-store';
import { argv, b, batch, bulk, err, int, NIL, OK, repliesOf } from './util';

const NOW = 1_800_000_000_000;

function engine(deadlineMs = 5000) {
  const doc = Document.empty();
  doc.begin();
  const ctx = contextFor(new Keyspace(doc, new Touched(), 0, NOW), performance.now() + deadlineMs);
  return { doc, run: (...words: string[]) => toWire(executeOne(ctx, argv(...words))) };
}

test('a script reads and writes the snapshot through the engine, keys and arguments included', () => {
  const { doc, run } = engine();
  expect(run('EVAL', "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('INCRBY', KEYS[1], 5)", '1', 'n', '10')).toEqual(int(15));
  expect(doc.get(b('n'))?.toString()).toBe('15');
  expect(run('EVAL', "return redis.call('GET', KEYS[1])", '1', 'n')).toEqual(bulk('15'));
});

test('a runtime error keeps the writes before it, as Redis does', () => {
  const { doc, run } = engine();
  const r = run('EVAL', "redis.call('SET', 'a', '1') redis.call('INCR', 'a') error('late')", '0');
  expect(r).toMatchObject({ t: 'error', v: expect.stringMatching(/^ERR user_script:1: late script: [0-9a-f]{40}, on @user_script:1\.$/) });
  expect(doc.get(b('a'))?.toString()).toBe('2');
});

test('a script stopped by the time limit is undone whole', () => {
  const { doc, run } = engine(50);
  run('SET', 'before', 'x');
  expect(run('EVAL', "redis.call('SET', 'a', '1') redis.call('DEL', 'before') while true do end", '0')).toEqual(err(STOPPED_TIME));
  expect(doc.get(b('a'))).toBeUndefined();
  expect(doc.get(b('before'))?.toString()).toBe('x');
});

test('a script stopped by the memory limit (64 MiB of heap growth) is undone whole', () => {
  const { doc, run } = engine(60_000);
  const r = run('EVAL', "redis.call('SET', 'a', '1') local s, t = string.rep('x', 65536), {} for i = 1, 1e8 do t[i] = s .. i end", '0');
  expect(r).toEqual(err(STOPPED_MEMORY));
  expect(doc.get(b('a'))).toBeUndefined();
});

test('the time limit is one budget for every script of the attempt', () => {
  const { run } = engine(60);
  expect(run('EVAL', 'local t = 0 for i = 1, 1e9 do t = t + 1 end', '0')).toEqual(err(STOPPED_TIME));
  // The budget is spent: the next script of the same attempt is stopped at its first check.
  expect(run('EVAL', 'local t = 0 for i = 1, 1e5 do t = t + 1 end return t', '0')).toEqual(err(STOPPED_TIME));
});

test('EVAL_RO refuses writes; numkeys errors as Redis', () => {
  const { run } = engine();
  expect(run('EVAL_RO', "return redis.pcall('SET', 'a', '1').err", '0')).toEqual(bulk('ERR Write commands are not allowed from read-only scripts.'));
  expect(run('EVAL_RO', "return redis.call('GET', 'a')", '0')).toEqual(NIL);
  expect(run('EVAL', 'return 1', '2', 'a')).toEqual(err("ERR Number of keys can't be greater than number of args"));
  expect(run('EVAL', 'return 1', '-1')).toEqual(err("ERR Number of keys can't be negative"));
  expect(run('EVAL', 'return 1', 'x')).toEqual(err('ERR value is not an integer or out of range'));
});

test('SCRIPT LOAD answers the SHA1; the cache subcommands are the proxy’s', () => {
  const { run } = engine();
  expect(run('SCRIPT', 'LOAD', 'return 1')).toEqual(bulk('e0e1f9fabfc9d4800c877a703b823ac0578ff8db'));
  expect(run('SCRIPT', 'EXISTS', 'e0e1f9fabfc9d4800c877a703b823ac0578ff8db')).toMatchObject({ t: 'error' });
  expect(run('SCRIPT', 'NOSUCH')).toEqual(err("ERR unknown subcommand 'NOSUCH'. Try SCRIPT HELP."));
});

test('EVALSHA and EVALSHA_RO (the proxy wires them) are EVAL and EVAL_RO by another name, as redis-server describes them', () => {
  const [evalsha, evalshaRo] = SCRIPT_PROXY_SPECS;
  const same = (s: CommandSpec) => ({ arity: s.arity, flags: s.flags, keys: s.keys, acl: aclCategories(s), mayWrite: s.mayWrite, group: s.group });
  expect(same(evalsha)).toEqual(same(SPECS.get('eval') as CommandSpec));
  expect(same(evalshaRo)).toEqual(same(SPECS.get('eval_ro') as CommandSpec));
  expect(isWrite(evalsha)).toBe(true);
  expect(isWrite(evalshaRo)).toBe(false);
  expect(aclCategories(evalsha)).toEqual(['@slow', '@scripting']);
});

test('EVAL is a write and EVAL_RO a read (Redis flags neither write); both run scripts', () => {
  expect(writes(argv('EVAL', 'return 1', '0'))).toBe(true);
  expect(writes(argv('eval_ro', 'return 1', '0'))).toBe(false);
  expect(writes(argv('SCRIPT', 'LOAD', 'return 1'))).toBe(false);
  expect(runsScript(argv('EVAL', 'return 1', '0'))).toBe(true);
  expect(runsScript(argv('GET', 'a'))).toBe(false);
});

describe('through the handler', () => {
  test('a script commits with its batch; a stopped one fails alone and the rest commits', async () => {
    const store = new MemoryStore();
    const h = createHandler({ store, scriptTimeoutMs: 50 });
    const res = await h(batch('s1', [['SET', 'a', '1'], ['EVAL', "redis.call('SET', 'b', '2') while true do end", '0'], ['EVAL', "return redis.call('INCR', 'a')", '0'], ['GET', 'b']]));
    expect(repliesOf(res)).toEqual([[OK, err(STOPPED_TIME), err(STOPPED_TIME), NIL]]);
    const next = await createHandler({ store })(batch('s2', [['EVAL', "return {redis.call('GET', 'a'), redis.call('INCR', 'a')}", '0']]));
    expect(repliesOf(next)).toEqual([[{ t: 'array', v: [bulk('1'), int(2)] }]]);
  });

  test('a scripted batch starts no attempt without its script budget left; others still run', async () => {
    const store = new MemoryStore();
    const h = createHandler({ store, scriptTimeoutMs: 1000, remainingMs: () => 2000 });
    const scripted = await h(batch('s1', [['EVAL', "return redis.call('SET', 'a', '1')", '0']]));
    expect(scripted).toMatchObject({ ok: false, failure: { kind: 'not-applied' } });
    expect(store.count('put')).toBe(0);
    expect(repliesOf(await h(batch('s2', [['SET', 'a', '1']])))).toEqual([[OK]]);
  });
});
