/**
 * APPEND, STRLEN, GETRANGE, SUBSTR, SETRANGE, MGET, MSET, MSETNX and LCS:
 * replies and error texts as redis-server 7.0.15 gives them, TTLs at an
 * injected clock, binary safety.
 */
import { Document } from '../../lambda/document';
import { contextFor, executeOne } from '../../lambda/engine';
import { Keyspace, Touched } from '../../lambda/commands/context';
import type { WireReply } from '../../lambda/contract';
import { argv, b, bulk, err, int, NIL, OK, docWith, runAt } from './util';

const NOW = 1_000_000;
const at = runAt;
const run = (doc: Document, ...words: (string | Buffer)[]) => at(doc, NOW, ...words);
const NOT_INT = err('ERR value is not an integer or out of range');
const TOO_LONG = err('ERR string exceeds maximum allowed size (proto-max-bulk-len)');
const arr = (...v: WireReply[]): WireReply => ({ t: 'array', v });


describe('APPEND, STRLEN', () => {
  it('APPEND creates the key (even with an empty value) and returns the new length; STRLEN counts bytes', () => {
    const doc = docWith();
    expect(run(doc, 'APPEND', 's', 'abc')).toEqual(int(3));
    expect(run(doc, 'APPEND', 's', b([0, 0xff]))).toEqual(int(5));
    expect(run(doc, 'GET', 's')).toEqual(bulk(b([0x61, 0x62, 0x63, 0, 0xff])));
    expect(run(doc, 'STRLEN', 's')).toEqual(int(5));
    expect(run(doc, 'STRLEN', 'missing')).toEqual(int(0));
    expect(run(doc, 'APPEND', 'e', '')).toEqual(int(0));
    expect(doc.has(b('e'))).toBe(true);
    expect(run(doc, 'STRLEN', 'héllo')).toEqual(int(0));
    run(doc, 'SET', 'u', Buffer.from('héllo', 'utf8'));
    expect(run(doc, 'STRLEN', 'u')).toEqual(int(6));
  });

  it('APPEND keeps the TTL; an expired key starts afresh', () => {
    const doc = docWith();
    run(doc, 'SET', 'k', 'v', 'PX', '100');
    expect(run(doc, 'APPEND', 'k', 'w')).toEqual(int(2));
    expect(doc.entry(b('k'))?.expiresAt).toBe(NOW + 100);
    expect(at(doc, NOW + 101, 'APPEND', 'k', 'x')).toEqual(int(1));
    expect(doc.entry(b('k'))?.expiresAt).toBeUndefined();
  });

  it("past the document's cap it is Redis's OOM reply, and nothing changes", () => {
    const doc = docWith({ k: 'x'.repeat(100) });
    doc.maxBytes = 150;
    expect(run(doc, 'APPEND', 'k', 'y'.repeat(100))).toEqual(err("OOM command not allowed when used memory > 'maxmemory'."));
    expect(run(doc, 'STRLEN', 'k')).toEqual(int(100));
  });
});

describe('GETRANGE, SUBSTR', () => {
  const doc = docWith({ s: 'abcdef', e: '' });
  it.each([
    ['0', '-1', 'abcdef'],
    ['-3', '-1', 'def'],
    ['-1', '-3', ''],
    ['2', '1', ''],
    ['10', '20', ''],
    ['-100', '1', 'ab'],
    ['1', '100', 'bcdef'],
    ['0', '9223372036854775807', 'abcdef'],
    ['-9223372036854775808', '-9223372036854775808', 'a'],
    ['5', '5', 'f'],
    ['0', '0', 'a'],
  ])('GETRANGE s %s %s → %j (SUBSTR the same)', (start, end, expected) => {
    expect(run(doc, 'GETRANGE', 's', start, end)).toEqual(bulk(expected));
    expect(run(doc, 'SUBSTR', 's', start, end)).toEqual(bulk(expected));
  });

  it('a missing key or an empty value is the empty string, never nil; indexes are parsed before the key is read', () => {
    expect(run(doc, 'GETRANGE', 'missing', '0', '-1')).toEqual(bulk(''));
    expect(run(doc, 'GETRANGE', 'e', '0', '-1')).toEqual(bulk(''));
    expect(run(doc, 'GETRANGE', 'missing', 'a', '1')).toEqual(NOT_INT);
    expect(run(doc, 'GETRANGE', 's', '0', '9223372036854775808')).toEqual(NOT_INT);
    expect(run(doc, 'SUBSTR', 's', '0', '1.0')).toEqual(NOT_INT);
    expect(run(doc, 'GETRANGE', 's', '0')).toEqual(err("ERR wrong number of arguments for 'getrange' command"));
  });
});

describe('SETRANGE', () => {
  it('overwrites from the offset, zero-padding a shorter or missing value; returns the new length', () => {
    const doc = docWith({ s: 'Hello World' });
    expect(run(doc, 'SETRANGE', 's', '6', 'Redis')).toEqual(int(11));
    expect(run(doc, 'GET', 's')).toEqual(bulk('Hello Redis'));
    expect(run(doc, 'SETRANGE', 's', '20', b([0xff]))).toEqual(int(21));
    expect(run(doc, 'GET', 's')).toEqual(bulk(Buffer.concat([b('Hello Redis'), Buffer.alloc(9), b([0xff])])));
    expect(run(doc, 'SETRANGE', 'n', '3', 'ab')).toEqual(int(5));
    expect(run(doc, 'GET', 'n')).toEqual(bulk(b([0, 0, 0, 0x61, 0x62])));
  });

  it('an empty value writes nothing: 0 for a missing key (not created, whatever the offset), the length of an existing one', () => {
    const doc = docWith({ s: 'abc' });
    const touched = new Touched();
    const ctx = contextFor(new Keyspace(doc, touched, 0, NOW));
    expect(executeOne(ctx, argv('SETRANGE', 'n', '3', ''))).toEqual(int(0));
    expect(executeOne(ctx, argv('SETRANGE', 'n', '536870912', ''))).toEqual(int(0));
    expect(executeOne(ctx, argv('SETRANGE', 's', '1000', ''))).toEqual(int(3));
    expect(touched.writes).toEqual([]);
    expect(doc.has(b('n'))).toBe(false);
  });

  it("errors: a negative offset, a non-integer, Redis's 512 MB limit", () => {
    const doc = docWith({ s: 'abc' });
    expect(run(doc, 'SETRANGE', 's', '-1', 'x')).toEqual(err('ERR offset is out of range'));
    expect(run(doc, 'SETRANGE', 's', 'a', 'x')).toEqual(NOT_INT);
    expect(run(doc, 'SETRANGE', 's', '536870912', 'x')).toEqual(TOO_LONG);
    expect(run(doc, 'SETRANGE', 's', '536870911', 'xy')).toEqual(TOO_LONG);
    expect(run(doc, 'SETRANGE', 'n', '9223372036854775807', 'x')).toEqual(TOO_LONG);
    expect(run(doc, 'GET', 's')).toEqual(bulk('abc'));
  });

  it("within 512 MB but past the document's cap: OOM before anything is allocated", () => {
    const doc = docWith();
    doc.maxBytes = 1024 * 1024;
    expect(run(doc, 'SETRANGE', 'n', '536870911', 'x')).toEqual(err("OOM command not allowed when used memory > 'maxmemory'."));
    expect(doc.has(b('n'))).toBe(false);
  });

  it('keeps the TTL', () => {
    const doc = docWith();
    run(doc, 'SET', 'k', 'abc', 'EX', '10');
    expect(run(doc, 'SETRANGE', 'k', '1', 'X')).toEqual(int(3));
    expect(doc.entry(b('k'))?.expiresAt).toBe(NOW + 10_000);
  });
});

describe('MGET, MSET, MSETNX', () => {
  it('MGET: a value or nil per key, in order, duplicates included; expired keys are nil', () => {
    const doc = docWith({ a: '1', b: '2' });
    run(doc, 'SET', 't', 'x', 'PX', '1');
    expect(at(doc, NOW + 2, 'MGET', 'a', 'missing', 'b', 'a', 't')).toEqual(arr(bulk('1'), NIL, bulk('2'), bulk('1'), NIL));
  });

  it('MSET sets every pair (a key named twice gets its last value) and drops TTLs', () => {
    const doc = docWith();
    run(doc, 'SET', 'a', 'old', 'EX', '10');
    expect(run(doc, 'MSET', 'a', '1', b([0xff]), b([0]), 'a', '2')).toEqual(OK);
    expect(run(doc, 'MGET', 'a', b([0xff]))).toEqual(arr(bulk('2'), bulk(b([0]))));
    expect(doc.entry(b('a'))?.expiresAt).toBeUndefined();
  });

  it('MSETNX sets all pairs only if no key exists', () => {
    const doc = docWith({ a: '1' });
    expect(run(doc, 'MSETNX', 'b', '2', 'a', 'x')).toEqual(int(0));
    expect(doc.has(b('b'))).toBe(false);
    expect(run(doc, 'MSETNX', 'b', '2', 'c', '3')).toEqual(int(1));
    expect(run(doc, 'MSETNX', 'q', '1', 'q', '2')).toEqual(int(1));
    expect(run(doc, 'MGET', 'a', 'b', 'c', 'q')).toEqual(arr(bulk('1'), bulk('2'), bulk('3'), bulk('2')));
    run(doc, 'SET', 't', 'x', 'PX', '1');
    expect(at(doc, NOW + 2, 'MSETNX', 't', 'y')).toEqual(int(1));
  });

  it.each([['MSET', 'a'], ['MSET', 'a', '1', 'b'], ['MSETNX', 'a', '1', 'b'], ['MGET']].map((w) => [w]))('%p: wrong number of arguments', (words) => {
    expect(run(docWith(), ...words)).toEqual(err(`ERR wrong number of arguments for '${words[0].toLowerCase()}' command`));
  });
});

describe('LCS', () => {
  const doc = docWith({ key1: 'ohmytext', key2: 'mynewtext' });
  const range = (s: number, e: number) => arr(int(s), int(e));
  const idx = (matches: WireReply[], len: number): WireReply => ({ t: 'map', v: [[bulk('matches'), arr(...matches)], [bulk('len'), int(len)]] });

  it('the subsequence, its length, or the matching ranges (last first), as redis-server answers', () => {
    expect(run(doc, 'LCS', 'key1', 'key2')).toEqual(bulk('mytext'));
    expect(run(doc, 'LCS', 'key1', 'key2', 'LEN')).toEqual(int(6));
    expect(run(doc, 'LCS', 'key1', 'key2', 'IDX')).toEqual(idx([arr(range(4, 7), range(5, 8)), arr(range(2, 3), range(0, 1))], 6));
    expect(run(doc, 'LCS', 'key1', 'key2', 'idx', 'minmatchlen', '4', 'withmatchlen')).toEqual(idx([arr(range(4, 7), range(5, 8), int(4))], 6));
    expect(run(doc, 'LCS', 'key1', 'key2', 'IDX', 'WITHMATCHLEN')).toEqual(idx([arr(range(4, 7), range(5, 8), int(4)), arr(range(2, 3), range(0, 1), int(2))], 6));
    expect(run(doc, 'LCS', 'key1', 'key2', 'MINMATCHLEN', '-5', 'IDX')).toEqual(idx([arr(range(4, 7), range(5, 8)), arr(range(2, 3), range(0, 1))], 6));
    expect(run(doc, 'LCS', 'key1', 'key2', 'LEN', 'WITHMATCHLEN', 'MINMATCHLEN', '3')).toEqual(int(6));
    expect(run(doc, 'LCS', 'key1', 'key2', 'WITHMATCHLEN')).toEqual(bulk('mytext'));
  });

  it('missing keys are empty strings; bytes compare as bytes', () => {
    expect(run(doc, 'LCS', 'key1', 'nokey')).toEqual(bulk(''));
    expect(run(doc, 'LCS', 'nokey', 'nokey2', 'LEN')).toEqual(int(0));
    expect(run(doc, 'LCS', 'nokey', 'nokey2', 'IDX')).toEqual(idx([], 0));
    const bin = docWith();
    run(bin, 'MSET', 'x', b([0, 0xff, 1, 2]), 'y', b([0xff, 9, 2]));
    expect(run(bin, 'LCS', 'x', 'y')).toEqual(bulk(b([0xff, 2])));
  });

  it('errors: syntax, a bad MINMATCHLEN, LEN with IDX, arity', () => {
    expect(run(doc, 'LCS', 'key1', 'key2', 'LEN', 'IDX')).toEqual(err('ERR If you want both the length and indexes, please just use IDX.'));
    expect(run(doc, 'LCS', 'key1', 'key2', 'MINMATCHLEN')).toEqual(err('ERR syntax error'));
    expect(run(doc, 'LCS', 'key1', 'key2', 'MINMATCHLEN', 'abc')).toEqual(NOT_INT);
    expect(run(doc, 'LCS', 'key1', 'key2', 'foo')).toEqual(err('ERR syntax error'));
    expect(run(doc, 'LCS', 'key1')).toEqual(err("ERR wrong number of arguments for 'lcs' command"));
  });

  it('a table over 512 MB is refused, as in Redis', () => {
    const big = docWith();
    run(big, 'MSET', 'a', 'x'.repeat(20000), 'b', 'y'.repeat(20000));
    expect(run(big, 'LCS', 'a', 'b')).toEqual(err('ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len'));
  });
});
