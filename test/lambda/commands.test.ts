/**
 * The command engine: each command's semantics and Redis's exact error texts
 * (checked against redis-server 7.0.15), the OOM reply, and the reply budget.
 */
import fc from 'fast-check';
import type { WireReply } from '../../lambda/contract';
import { Document } from '../../lambda/document';
import { execute, executeOne, OOM_REPLY, replySize } from '../../lambda/engine';
import { COMMANDS } from '../../lambda/commands';
import { argv, b, bulk, err, int, NIL, OK } from './util';

const run = (doc: Document, ...words: (string | Buffer)[]) => executeOne(doc, argv(...words));

function docWith(entries: Record<string, string> = {}): Document {
  const doc = Document.empty();
  for (const [k, v] of Object.entries(entries)) doc.set(b(k), b(v));
  return doc;
}

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

  it('SET with options is a syntax error and writes nothing', () => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SET', 'k', 'new', 'EX', '10')).toEqual(err('ERR syntax error'));
    expect(run(doc, 'SET', 'k', 'new', 'NX')).toEqual(err('ERR syntax error'));
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

describe('PING', () => {
  it('PONG, or the message as a bulk string', () => {
    const doc = docWith();
    expect(run(doc, 'PING')).toEqual({ t: 'simple', v: 'PONG' });
    expect(run(doc, 'PING', b([0x00, 0xff]))).toEqual(bulk(b([0x00, 0xff])));
    expect(run(doc, 'PING', 'a', 'b')).toEqual(err("ERR wrong number of arguments for 'ping' command"));
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
    expect(executeOne(docWith(), [])).toEqual(err('ERR empty command'));
  });
});

describe('command names', () => {
  it.each(['get', 'GET', 'Get', 'gEt'])('%s is case-insensitive', (name) => {
    expect(run(docWith({ k: 'v' }), name, 'k')).toEqual(bulk('v'));
  });

  it('each command is registered under its lower-case name with a Redis arity', () => {
    expect([...COMMANDS.keys()].sort()).toEqual(['del', 'flushall', 'get', 'ping', 'set']);
    expect(Object.fromEntries([...COMMANDS.values()].map((c) => [c.name, [c.arity, c.write]]))).toEqual({
      get: [2, false],
      set: [-3, true],
      del: [-2, true],
      flushall: [-1, true],
      ping: [-1, false],
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
    const r = execute(doc, sessions([['SET', 'k', '1'], ['GET', 'k']], [['GET', 'k'], ['DEL', 'k']], [['GET', 'k']]));
    expect(r).toEqual({ complete: true, replies: [[OK, bulk('1')], [bulk('1'), int(1)], [NIL]] });
    expect(doc.mark()).toBeGreaterThan(0);
  });

  it('a read-only batch leaves nothing to commit', () => {
    const doc = docWith({ k: 'v' });
    doc.begin();
    execute(doc, sessions([['GET', 'k'], ['PING'], ['DEL', 'missing'], ['SET', 'k']]));
    expect(doc.mark()).toBe(0);
  });

  it('stops at the command whose reply does not fit, undoes it, and reports incomplete', () => {
    const doc = docWith({ big: 'x'.repeat(300) });
    doc.begin();
    const budget = replySize(OK) * 2 + 10;
    // SET a, SET b fit; the GET's reply does not; SET c (after it) never runs.
    const r = execute(doc, sessions([['SET', 'a', '1'], ['SET', 'b', '2']], [['GET', 'big'], ['SET', 'c', '3']]), budget);
    expect(r).toEqual({ complete: false, replies: [[OK, OK], []] });
    expect(doc.get(b('a'))?.toString()).toBe('1');
    expect(doc.has(b('c'))).toBe(false);
  });

  it('a write whose own reply overflows the budget is undone', () => {
    const doc = docWith({ k: 'old' });
    doc.begin();
    const budget = replySize(OK) + replySize(int(1)) + 5;
    const r = execute(doc, sessions([['SET', 'a', '1'], ['DEL', 'k'], ['SET', 'b', '2']]), budget);
    expect(r).toEqual({ complete: false, replies: [[OK, int(1)]] });
    expect(doc.has(b('b'))).toBe(false);
    expect(doc.get(b('k'))).toBeUndefined();

    // The undone write at the very start: nothing changed at all.
    const doc2 = docWith({ k: 'old' });
    doc2.begin();
    const r2 = execute(doc2, sessions([['DEL', 'k']]), 10);
    expect(r2).toEqual({ complete: false, replies: [[]] });
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
    fc.assert(fc.property(reply, (r) => replySize(r) >= Buffer.byteLength(JSON.stringify(r)) + 1));
    // An unknown command full of control bytes: its error text is six times longer once escaped.
    const nasty = run(docWith(), '\x01'.repeat(128), '\x02'.repeat(128));
    expect(replySize(nasty)).toBeGreaterThan(Buffer.byteLength(JSON.stringify(nasty)));
  });
});
