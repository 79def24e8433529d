/**
 * TIME, WAIT, WAITAOF, OBJECT, and the keyspace specs as data. Replies and
 * error texts as redis-server 7.0.15 gives them (WAITAOF: Redis 7.2).
 */
import { COMMANDS } from '../../lambda/commands';
import { aclCategories, keysOf, legacyKeyRange, SPECS } from '../../lambda/specs';
import { KEYSPACE_SPECS } from '../../lambda/specs/keyspace';
import { harness, T0 } from './keyspace-harness';
import { b, bulk, err, int, NIL } from './util';

const status = (v: string) => ({ t: 'simple', v });

describe('TIME', () => {
  it('is the batch clock: [seconds, microseconds] as bulk strings', () => {
    const h = harness(1_700_000_123_456);
    expect(h.run('TIME')).toEqual({ t: 'array', v: [bulk('1700000123'), bulk('456000')] });
    h.now = 1_700_000_124_000;
    expect(h.run('TIME')).toEqual({ t: 'array', v: [bulk('1700000124'), bulk('0')] });
    expect(h.run('TIME', 'x')).toEqual(err("ERR wrong number of arguments for 'time' command"));
  });
});

describe('WAIT and WAITAOF', () => {
  it.each([
    [['0', '0'], int(0)],
    [['1', '100'], int(0)],
    [['-1', '0'], int(0)],
    [['0', '9223372036854775807'], int(0)],
    [['x', '0'], err('ERR value is not an integer or out of range')],
    [['x', '-1'], err('ERR value is not an integer or out of range')],
    [['0', 'x'], err('ERR timeout is not an integer or out of range')],
    [['0', '1.5'], err('ERR timeout is not an integer or out of range')],
    [['0', '-1'], err('ERR timeout is negative')],
    [['0'], err("ERR wrong number of arguments for 'wait' command")],
  ])('WAIT %p → %p, at once', (words, reply) => {
    expect(harness().run('WAIT', ...words)).toEqual(reply);
  });

  it.each([
    [['0', '0', '0'], { t: 'array', v: [int(1), int(0)] }],
    [['1', '0', '100'], { t: 'array', v: [int(1), int(0)] }],
    [['1', '2', '0'], { t: 'array', v: [int(1), int(0)] }],
    [['2', '0', '0'], err('ERR value is out of range, value must between 0 and 1')],
    [['-1', '0', '0'], err('ERR value is out of range, value must between 0 and 1')],
    [['x', '0', '0'], err('ERR value is not an integer or out of range')],
    [['0', '-1', '0'], err('ERR value is out of range, must be positive')],
    [['0', 'x', '0'], err('ERR value is not an integer or out of range')],
    [['0', '0', '-1'], err('ERR timeout is negative')],
    [['0', '0', 'x'], err('ERR timeout is not an integer or out of range')],
    [['0', '0'], err("ERR wrong number of arguments for 'waitaof' command")],
  ])('WAITAOF %p → %p, at once', (words, reply) => {
    expect(harness().run('WAITAOF', ...words)).toEqual(reply);
  });
});

describe('OBJECT', () => {
  // [value, ENCODING, REFCOUNT], as redis-server answers right after SET.
  it.each([
    ['12345', 'int', 1],
    ['5', 'int', 2147483647],
    ['0', 'int', 2147483647],
    ['9999', 'int', 2147483647],
    ['10000', 'int', 1],
    ['-1', 'int', 1],
    ['9223372036854775807', 'int', 1],
    ['-9223372036854775808', 'int', 1],
    ['9223372036854775808', 'embstr', 1],
    ['012', 'embstr', 1],
    ['-0', 'embstr', 1],
    ['hello', 'embstr', 1],
    ['', 'embstr', 1],
    ['x'.repeat(44), 'embstr', 1],
    ['x'.repeat(45), 'raw', 1],
  ])('%j: ENCODING %s, REFCOUNT %d', (value, encoding, refcount) => {
    const h = harness();
    h.run('SET', 'k', value);
    expect(h.run('OBJECT', 'ENCODING', 'k')).toEqual(bulk(encoding));
    expect(h.run('object', 'refcount', 'k')).toEqual(int(refcount));
  });

  it('IDLETIME is 0; FREQ is the error for a policy that is not LFU', () => {
    const h = harness();
    h.run('SET', 'k', 'v');
    expect(h.run('OBJECT', 'IDLETIME', 'k')).toEqual(int(0));
    expect(h.run('OBJECT', 'FREQ', 'k')).toEqual(
      err('ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.'),
    );
  });

  it.each(['ENCODING', 'IDLETIME', 'FREQ', 'REFCOUNT'])('OBJECT %s of an absent or expired key is nil', (sub) => {
    const h = harness();
    h.run('SET', 'k', 'v');
    h.run('PEXPIRE', 'k', '1');
    h.now = T0 + 2;
    expect(h.run('OBJECT', sub, 'missing')).toEqual(NIL);
    expect(h.run('OBJECT', sub, 'k')).toEqual(NIL);
  });

  it('HELP: the lines redis-server prints, as status replies', () => {
    const reply = harness().run('OBJECT', 'help');
    expect(reply.t === 'array' && reply.v.length).toBe(15);
    expect(reply.t === 'array' && reply.v[0]).toEqual(status('OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:'));
    expect(reply.t === 'array' && reply.v[14]).toEqual(status('    Prints this help.'));
  });

  it.each([
    [['foo'], "ERR unknown subcommand 'foo'. Try OBJECT HELP."],
    [['foo', 'bar'], "ERR unknown subcommand 'foo'. Try OBJECT HELP."],
    [['__proto__', 'k'], "ERR unknown subcommand '__proto__'. Try OBJECT HELP."],
    [['toString', 'k'], "ERR unknown subcommand 'toString'. Try OBJECT HELP."],
    [[], "ERR wrong number of arguments for 'object' command"],
    [['encoding'], "ERR wrong number of arguments for 'object|encoding' command"],
    [['ENCODING', 'a', 'b'], "ERR wrong number of arguments for 'object|encoding' command"],
    [['help', 'x'], "ERR wrong number of arguments for 'object|help' command"],
  ])('OBJECT %p → %s', (words, error) => {
    expect(harness().run('OBJECT', ...words)).toEqual(err(error));
  });

  it('binary keys', () => {
    const h = harness();
    h.run('SET', b([0xff, 0x00]), '42');
    expect(h.run('OBJECT', 'ENCODING', b([0xff, 0x00]))).toEqual(bulk('int'));
  });
});

describe('the keyspace specs', () => {
  it('every spec has its module', () => {
    for (const s of KEYSPACE_SPECS) expect(COMMANDS.get(s.name)?.spec).toBe(s);
  });

  it.each([
    ['exists', ['EXISTS', 'a', 'b', 'c'], ['a', 'b', 'c'], [1, -1, 1]],
    ['unlink', ['UNLINK', 'a', 'b'], ['a', 'b'], [1, -1, 1]],
    ['touch', ['TOUCH', 'a'], ['a'], [1, -1, 1]],
    ['rename', ['RENAME', 'a', 'b'], ['a', 'b'], [1, 2, 1]],
    ['copy', ['COPY', 'a', 'b', 'DB', '1'], ['a', 'b'], [1, 2, 1]],
    ['move', ['MOVE', 'a', '1'], ['a'], [1, 1, 1]],
    ['expire', ['EXPIRE', 'a', '10', 'NX'], ['a'], [1, 1, 1]],
    ['keys', ['KEYS', '*'], [], [0, 0, 0]],
    ['scan', ['SCAN', '0', 'MATCH', 'a'], [], [0, 0, 0]],
    ['swapdb', ['SWAPDB', '0', '1'], [], [0, 0, 0]],
  ])('%s finds its keys as Redis does', (name, words, keys, legacy) => {
    const spec = SPECS.get(name)!;
    expect(keysOf(spec, words.map((w) => b(w))).map(String)).toEqual(keys);
    expect(legacyKeyRange(spec)).toEqual(legacy);
  });

  it("WAITAOF is Redis 7.2's (the reference 7.0.15 lacks it): its spec as 7.2's waitaof.json", () => {
    expect(SPECS.get('waitaof')).toMatchObject({ name: 'waitaof', arity: 4, flags: ['noscript'], keys: [], group: 'generic', since: '7.2.0' });
  });

  it('ACL categories as COMMAND INFO prints them', () => {
    const acl = (name: string) => aclCategories(SPECS.get(name)!);
    expect(acl('keys')).toEqual(['@keyspace', '@read', '@slow', '@dangerous']);
    expect(acl('swapdb')).toEqual(['@keyspace', '@write', '@fast', '@dangerous']);
    expect(acl('dbsize')).toEqual(['@keyspace', '@read', '@fast']);
    expect(acl('time')).toEqual(['@fast']);
    expect(acl('wait')).toEqual(['@slow', '@connection']);
    expect(acl('waitaof')).toEqual(['@slow', '@connection']);
    expect(acl('object')).toEqual(['@slow']);
  });
});
