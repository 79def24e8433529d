/** The command specs: the one description of each command that the proxy, COMMAND and the engine read. */
import { COMMANDS } from '../../lambda/commands';
import { arityError, ENGINE_SPECS, keysOf, legacyKeyRange, lookupSpec, PROXY_SPECS, SPECS, type CommandSpec } from '../../lambda/specs';

const words = (...w: string[]) => w.map((x) => Buffer.from(x));
const names = (bs: Buffer[]) => bs.map(String);

describe('the table', () => {
  it('every engine spec has its module, and every module its spec', () => {
    expect([...COMMANDS.keys()].sort()).toEqual(ENGINE_SPECS.map((s) => s.name).sort());
    for (const [name, c] of COMMANDS) expect(c.spec).toBe(SPECS.get(name));
  });

  it("no command is both the proxy's and the engine's", () => {
    const engine = new Set(ENGINE_SPECS.map((s) => s.name));
    expect(PROXY_SPECS.filter((s) => engine.has(s.name))).toEqual([]);
  });

  it('a write is flagged write and never readonly; every key spec has an access flag', () => {
    for (const s of SPECS.values()) {
      expect(s.flags.includes('write') && s.flags.includes('readonly')).toBe(false);
      for (const k of s.keys) expect(k.flags.some((f) => ['RW', 'RO', 'OW', 'RM'].includes(f))).toBe(true);
    }
  });

  it('lookup takes any case, and misses unknown names', () => {
    expect(lookupSpec('GET')?.name).toBe('get');
    expect(lookupSpec(Buffer.from('gEt'))?.name).toBe('get');
    expect(lookupSpec('nosuch')).toBeUndefined();
  });
});

describe('key positions', () => {
  it('fixed and ranged keys, and the legacy triple', () => {
    expect(names(keysOf(SPECS.get('get')!, words('GET', 'k')))).toEqual(['k']);
    expect(names(keysOf(SPECS.get('del')!, words('DEL', 'a', 'b', 'c')))).toEqual(['a', 'b', 'c']);
    expect(keysOf(SPECS.get('flushall')!, words('FLUSHALL'))).toEqual([]);
    expect(legacyKeyRange(SPECS.get('get')!)).toEqual([1, 1, 1]);
    expect(legacyKeyRange(SPECS.get('del')!)).toEqual([1, -1, 1]);
    expect(legacyKeyRange(SPECS.get('ping')!)).toEqual([0, 0, 0]);
  });

  // The shapes later commands use: MSET's step, EVAL's key count, XREAD's keyword.
  const shaped = (keys: CommandSpec['keys']): CommandSpec => ({ ...SPECS.get('get')!, arity: -1, keys });

  it('a step of two (MSET k v k v)', () => {
    const mset = shaped([{ flags: ['OW', 'update'], begin: { index: 1 }, find: { lastKey: -1, step: 2, limit: 0 } }]);
    expect(names(keysOf(mset, words('MSET', 'a', '1', 'b', '2')))).toEqual(['a', 'b']);
    expect(legacyKeyRange(mset)).toEqual([1, -1, 2]);
  });

  it('a key count (EVAL script numkeys k1 k2 arg)', () => {
    const evalSpec = shaped([{ flags: ['RW', 'access', 'update'], begin: { index: 2 }, find: { keyNumIdx: 0, firstKey: 1, step: 1 } }]);
    expect(names(keysOf(evalSpec, words('EVAL', 'return 1', '2', 'k1', 'k2', 'arg')))).toEqual(['k1', 'k2']);
    expect(keysOf(evalSpec, words('EVAL', 'return 1', 'x', 'k1'))).toEqual([]);
  });

  it('a keyword (XREAD COUNT 1 STREAMS s1 s2 0 0)', () => {
    const xread = shaped([{ flags: ['RO', 'access'], begin: { keyword: 'STREAMS', startFrom: 1 }, find: { lastKey: -1, step: 1, limit: 2 } }]);
    expect(names(keysOf(xread, words('XREAD', 'COUNT', '1', 'streams', 's1', 's2', '0', '0')))).toEqual(['s1', 's2']);
    expect(keysOf(xread, words('XREAD', 'COUNT', '1'))).toEqual([]);
  });
});

describe('arity', () => {
  it("checks the command, then its subcommand, naming the one that failed as Redis does", () => {
    const config = SPECS.get('config')!;
    expect(arityError(config, words('CONFIG'))).toBe('config');
    expect(arityError(config, words('CONFIG', 'GET'))).toBe('config|get');
    expect(arityError(config, words('CONFIG', 'GET', 'maxmemory'))).toBeNull();
    // An unknown subcommand is the command's to report, with its own text.
    expect(arityError(config, words('CONFIG', 'NOSUCH'))).toBeNull();
    expect(arityError(SPECS.get('get')!, words('GET', 'a', 'b'))).toBe('get');
  });
});
