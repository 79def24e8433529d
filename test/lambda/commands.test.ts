/**
 * The command engine: each command's semantics and Redis's exact error texts
 * (checked against redis-server 7.0.15), the OOM reply, and the reply budget.
 */
import fc from 'fast-check';
import { type WireReply } from '../../lambda/contract';
import { fromWire, toWire } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { contextFor, execute, executeOne, OOM_REPLY, replySize } from '../../lambda/engine';
import { COMMANDS } from '../../lambda/commands';
import { Keyspace, Touched, type CommandContext } from '../../lambda/commands/context';
import { argv, b, bulk, err, int, NIL, OK, docWith } from './util';

const ctxOf = (doc: Document, now = 0): CommandContext => contextFor(new Keyspace(doc, new Touched(), 0, now));
const run = (doc: Document, ...words: (string | Buffer)[]) => toWire(executeOne(ctxOf(doc), argv(...words)));


describe('GET / SET', () => {
  it('GET of a missing key is nil; SET then GET returns the value', () => {
    const doc = docWith();
    expect(run(doc, 'GET', 'k')).toEqual(NIL);
    expect(run(doc, 'SET', 'k', 'v1')).toEqual(OK);
    expect(run(doc, 'GET', 'k')).toEqual(bulk('v1'));
    expect(run(doc, 'SET', 'k', 'v2')).toEqual(OK);
    expect(run(doc, 'GET', 'k')).toEqual(bulk('v2'));
  });

  it('keys and values are binary-safe, and the empty string is a value (not nil)', () => {
    const doc = docWith();
    const key = b([0x00, 0xff, 0x0d, 0x0a]);
    const value = b([0xff, 0x00, 0xfe]);
    expect(run(doc, 'SET', key, value)).toEqual(OK);
    expect(run(doc, 'GET', key)).toEqual(bulk(value));
    expect(run(doc, 'SET', '', '')).toEqual(OK);
    expect(run(doc, 'GET', '')).toEqual(bulk(''));
  });

  // SET's options: test/lambda/strings-set.test.ts.
  it('SET with an unknown or conflicting option is a syntax error and writes nothing', () => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SET', 'k', 'new', 'EXX', '10')).toEqual(err('ERR syntax error'));
    expect(run(doc, 'SET', 'k', 'new', 'NX', 'XX')).toEqual(err('ERR syntax error'));
    expect(run(doc, 'GET', 'k')).toEqual(bulk('old'));
  });
});

describe('DEL', () => {
  it('counts how many of the keys existed', () => {
    const doc = docWith({ a: '1', b: '2', c: '3' });
    expect(run(doc, 'DEL', 'a', 'missing', 'b')).toEqual(int(2));
    expect(run(doc, 'GET', 'a')).toEqual(NIL);
    expect(run(doc, 'GET', 'c')).toEqual(bulk('3'));
    expect(run(doc, 'DEL', 'a')).toEqual(int(0));
  });

  it('a key named twice counts once (as in Redis)', () => {
    const doc = docWith({ a: '1' });
    expect(run(doc, 'DEL', 'a', 'a')).toEqual(int(1));
  });
});

describe('FLUSHALL', () => {
  it.each([[[]], [['ASYNC']], [['sync']], [['Async']]])('FLUSHALL %p empties the keyspace', (args) => {
    const doc = docWith({ a: '1', b: '2' });
    expect(run(doc, 'FLUSHALL', ...args)).toEqual(OK);
    expect(doc.size).toBe(0);
  });

  it.each([[['foo']], [['ASYNC', 'SYNC']], [['asyncx']]])('FLUSHALL %p is a syntax error and keeps the data', (args) => {
    const doc = docWith({ a: '1' });
    expect(run(doc, 'FLUSHALL', ...args)).toEqual(err('ERR syntax error'));
    expect(doc.size).toBe(1);
  });
});

describe('INCR', () => {
  it('an absent key counts from 0; the result is stored as decimal text', () => {
    const doc = docWith();
    expect(run(doc, 'INCR', 'n')).toEqual(int(1));
    expect(run(doc, 'INCR', 'n')).toEqual(int(2));
    expect(doc.get(b('n'))?.toString()).toBe('2');
    expect(run(doc, 'SET', 'n', '-5')).toEqual(OK);
    expect(run(doc, 'INCR', 'n')).toEqual(int(-4));
    expect(run(doc, 'SET', 'n', '-1')).toEqual(OK);
    expect(run(doc, 'INCR', 'n')).toEqual(int(0));
    expect(run(doc, 'GET', 'n')).toEqual(bulk('0'));
  });

  it.each(['abc', '', ' 1', '1 ', '+1', '01', '-0', '1.5', '1e3', '0x10', '9223372036854775808', '-9223372036854775809', '99999999999999999999'])(
    'a value that is not a 64-bit integer as Redis parses it (%j) is an error and changes nothing',
    (v) => {
      const doc = docWith({ n: v });
      expect(run(doc, 'INCR', 'n')).toEqual(err('ERR value is not an integer or out of range'));
      expect(doc.get(b('n'))?.toString()).toBe(v);
    },
  );

  it('overflow past 2^63-1 is an error; values beyond 2^53 keep every digit', () => {
    const doc = docWith({ max: '9223372036854775807', big: '9007199254740993', low: '-9223372036854775808' });
    expect(run(doc, 'INCR', 'max')).toEqual(err('ERR increment or decrement would overflow'));
    expect(doc.get(b('max'))?.toString()).toBe('9223372036854775807');
    expect(run(doc, 'INCR', 'big')).toEqual({ t: 'int', v: '9007199254740994' });
    expect(doc.get(b('big'))?.toString()).toBe('9007199254740994');
    expect(run(doc, 'INCR', 'low')).toEqual({ t: 'int', v: '-9223372036854775807' });
  });

  it('wrong arity', () => {
    expect(run(docWith(), 'INCR')).toEqual(err("ERR wrong number of arguments for 'incr' command"));
    expect(run(docWith(), 'INCR', 'a', 'b')).toEqual(err("ERR wrong number of arguments for 'incr' command"));
  });

  it('a failed INCR in a batch leaves nothing to commit', () => {
    const doc = docWith({ s: 'text' });
    doc.begin();
    expect(execute(doc, [[argv('INCR', 's')]], { now: 0 }).replies).toEqual([[err('ERR value is not an integer or out of range')]]);
    expect(doc.mark()).toBe(0);
  });
});

describe("Redis's errors", () => {
  it.each([
    [['GET'], 'get'],
    [['GET', 'a', 'b'], 'get'],
    [['SET', 'a'], 'set'],
    [['DEL'], 'del'],
    [['gEt'], 'get'],
  ])('%p → wrong number of arguments', (words, name) => {
    expect(run(docWith(), ...words)).toEqual(err(`ERR wrong number of arguments for '${name}' command`));
  });

  it('unknown commands list their first arguments', () => {
    const doc = docWith();
    expect(run(doc, 'x', 'a', 'b')).toEqual(err("ERR unknown command 'x', with args beginning with: 'a' 'b' "));
    expect(run(doc, 'x')).toEqual(err("ERR unknown command 'x', with args beginning with: "));
    expect(run(doc, '')).toEqual(err("ERR unknown command '', with args beginning with: "));
  });

  it('the argument list stops once it reaches 128 bytes, the last argument cut to fit (as redis-server 7)', () => {
    const a100 = 'a'.repeat(100);
    expect(run(docWith(), 'x', a100, a100, a100)).toEqual(err(`ERR unknown command 'x', with args beginning with: '${a100}' '${'a'.repeat(25)}' `));
    const many = Array.from({ length: 50 }, (_, i) => String(i + 1));
    const shown = many.slice(0, 28).map((a) => `'${a}' `).join('');
    expect(run(docWith(), 'x', ...many)).toEqual(err(`ERR unknown command 'x', with args beginning with: ${shown}`));
  });

  it('the name is cut at 128 bytes and CR/LF cannot break the RESP line', () => {
    const reply = run(docWith(), 'n'.repeat(200), 'a\r\nb');
    expect(reply).toEqual(err(`ERR unknown command '${'n'.repeat(128)}', with args beginning with: 'a  b' `));
  });

  it('an empty command is an error, not a crash', () => {
    expect(executeOne(ctxOf(docWith()), [])).toEqual(err('ERR empty command'));
  });
});

describe('command names', () => {
  it.each(['get', 'GET', 'Get', 'gEt'])('%s is case-insensitive', (name) => {
    expect(run(docWith({ k: 'v' }), name, 'k')).toEqual(bulk('v'));
  });

  it('each command is registered under its lower-case name with a Redis arity', () => {
    // Each family adds its own names: only these few are pinned here.
    expect([...COMMANDS.keys()]).toEqual(expect.arrayContaining(['del', 'flushall', 'get', 'incr', 'set']));
    expect(Object.fromEntries([...COMMANDS.values()].map((c) => [c.spec.name, [c.spec.arity, c.spec.flags.includes('write')]]))).toMatchObject({
      get: [2, false],
      set: [-3, true],
      incr: [2, true],
      del: [-2, true],
      flushall: [-1, true],
    });
  });
});

describe('OOM', () => {
  it("a write past maxmemory gets Redis's OOM reply and changes nothing; reads and deletes still work", () => {
    const doc = docWith({ a: '1' });
    doc.maxBytes = doc.encode().length + 10;
    expect(run(doc, 'SET', 'b', 'x'.repeat(100))).toEqual(err("OOM command not allowed when used memory > 'maxmemory'."));
    expect(OOM_REPLY).toEqual(err("OOM command not allowed when used memory > 'maxmemory'."));
    expect(run(doc, 'GET', 'b')).toEqual(NIL);
    expect(run(doc, 'GET', 'a')).toEqual(bulk('1'));
    expect(run(doc, 'DEL', 'a')).toEqual(int(1));
  });
});

describe('execute: sessions and the reply budget', () => {
  const sessions = (...s: (string | Buffer)[][][]) => s.map((cmds) => cmds.map((c) => argv(...c)));

  it('runs sessions in order on one snapshot; later sessions see earlier writes', () => {
    const doc = docWith();
    doc.begin();
    const r = execute(doc, sessions([['SET', 'k', '1'], ['GET', 'k']], [['GET', 'k'], ['DEL', 'k']], [['GET', 'k']]), { now: 0 });
    expect(r.complete).toBe(true);
    expect(r.replies.map((rs) => rs.map(toWire))).toEqual([[OK, bulk('1')], [bulk('1'), int(1)], [NIL]]);
    // What the batch touched, in order: WATCH and blocking pops will read this.
    expect(r.touched.writes.map(String)).toEqual(['k', 'k']);
    expect(r.touched.reads.map(String)).toEqual(['k', 'k', 'k']);
    expect(doc.mark()).toBeGreaterThan(0);
  });

  it('a read-only batch leaves nothing to commit', () => {
    const doc = docWith({ k: 'v' });
    doc.begin();
    execute(doc, sessions([['GET', 'k'], ['NOSUCH'], ['DEL', 'missing'], ['SET', 'k'], ['INCR', 'k']]), { now: 0 });
    expect(doc.mark()).toBe(0);
  });

  it('stops at the command whose reply does not fit, undoes it, and reports incomplete', () => {
    const doc = docWith({ big: 'x'.repeat(300) });
    doc.begin();
    const budget = replySize(fromWire(OK)) * 2 + 10;
    // SET a, SET b fit; the GET's reply does not; SET c (after it) never runs.
    const r = execute(doc, sessions([['SET', 'a', '1'], ['SET', 'b', '2']], [['GET', 'big'], ['SET', 'c', '3']]), { now: 0, replyBudget: budget });
    expect(r).toMatchObject({ complete: false, replies: [[OK, OK], []] });
    expect(doc.get(b('a'))?.toString()).toBe('1');
    expect(doc.has(b('c'))).toBe(false);
  });

  it('a write whose own reply overflows the budget is undone', () => {
    const doc = docWith({ k: 'old' });
    doc.begin();
    const budget = replySize(fromWire(OK)) + replySize(fromWire(int(1))) + 5;
    const r = execute(doc, sessions([['SET', 'a', '1'], ['DEL', 'k'], ['SET', 'b', '2']]), { now: 0, replyBudget: budget });
    expect(r).toMatchObject({ complete: false, replies: [[OK, int(1)]] });
    expect(doc.has(b('b'))).toBe(false);
    expect(doc.get(b('k'))).toBeUndefined();

    // The undone write at the very start: nothing changed at all.
    const doc2 = docWith({ k: 'old' });
    doc2.begin();
    const r2 = execute(doc2, sessions([['DEL', 'k']]), { now: 0, replyBudget: 10 });
    expect(r2).toMatchObject({ complete: false, replies: [[]] });
    expect(doc2.get(b('k'))?.toString()).toBe('old');
    expect(doc2.mark()).toBe(0);
  });

  it('replySize is an upper bound of the reply in the JSON response, separator included (property)', () => {
    const { reply } = fc.letrec<{ reply: WireReply }>((tie) => ({
      reply: fc.oneof(
        { depthSize: 'small' },
        fc.string({ unit: 'binary', maxLength: 40 }).map((v): WireReply => ({ t: 'error', v })),
        fc.string({ unit: 'binary', maxLength: 40 }).map((v): WireReply => ({ t: 'simple', v })),
        fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }).map(int),
        fc.uint8Array({ maxLength: 40 }).map((a) => bulk(Buffer.from(a))),
        fc.constant(NIL),
        fc.array(tie('reply'), { maxLength: 4 }).map((v): WireReply => ({ t: 'array', v })),
      ),
    }));
    fc.assert(fc.property(reply, (r) => replySize(fromWire(r)) >= Buffer.byteLength(JSON.stringify(r)) + 1));
    // An unknown command full of control bytes: its error text is six times longer once escaped.
    const nasty = run(docWith(), '\x01'.repeat(128), '\x02'.repeat(128));
    expect(replySize(fromWire(nasty))).toBeGreaterThan(Buffer.byteLength(JSON.stringify(nasty)));
  });
});
