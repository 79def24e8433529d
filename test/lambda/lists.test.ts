/**
 * The list commands on a document: what they store (an emptied list removes
 * its key, a changed list keeps its TTL, pushes order as Redis does), the
 * RESP2/RESP3-sensitive null shapes, WRONGTYPE for every command, and the
 * blocking pops' two answers (blocked for a client's own command, the
 * timeout reply inside MULTI or a script). Reply texts of every option and
 * error are compared with redis-server in lists-reference.test.ts.
 */
import type { WireReply } from '../../lambda/contract';
import { toWire } from '../../lambda/contract-wire';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { contextFor, executeOne } from '../../lambda/engine';
import { Document } from '../../lambda/document';
import { argv, b, bulk, err, int, NIL, OK, runAt } from './util';

const NOW = 1_000_000;
const run = (doc: Document, ...words: string[]) => runAt(doc, NOW, ...words);
/** As the engine runs a client's own command: it may answer "blocked". */
const runBlocking = (doc: Document, ...words: string[]): WireReply => toWire(executeOne(contextFor(new Keyspace(doc, new Touched(), 0, NOW), undefined, true), argv(...words)));
const range = (doc: Document, key: string) => run(doc, 'LRANGE', key, '0', '-1');
const arr = (...xs: WireReply[]): WireReply => ({ t: 'array', v: xs });
const NULL_ARRAY: WireReply = { t: 'null', array: true };
const WRONGTYPE = err('WRONGTYPE Operation against a key holding the wrong kind of value');

describe('pushes and pops', () => {
  it('LPUSH pushes one by one (the last ends up first), RPUSH appends, both answer the length', () => {
    const doc = Document.empty();
    expect(run(doc, 'LPUSH', 'l', 'a', 'b', 'c')).toEqual(int(3));
    expect(run(doc, 'RPUSH', 'l', 'd')).toEqual(int(4));
    expect(range(doc, 'l')).toEqual(arr(bulk('c'), bulk('b'), bulk('a'), bulk('d')));
    expect(doc.entry(b('l'))?.type).toBe('list');
  });

  it('LPUSHX / RPUSHX push only onto an existing list', () => {
    const doc = Document.empty();
    expect(run(doc, 'LPUSHX', 'l', 'a')).toEqual(int(0));
    expect(doc.has(b('l'))).toBe(false);
    run(doc, 'RPUSH', 'l', 'a');
    expect(run(doc, 'RPUSHX', 'l', 'b', 'c')).toEqual(int(3));
  });

  it('LPOP / RPOP: nil or a null array (with a count) on a missing list, the count in pop order, the key gone when emptied', () => {
    const doc = Document.empty();
    expect(run(doc, 'LPOP', 'l')).toEqual(NIL);
    expect(run(doc, 'LPOP', 'l', '1')).toEqual(NULL_ARRAY);
    expect(run(doc, 'LPOP', 'l', '0')).toEqual(NULL_ARRAY);
    run(doc, 'RPUSH', 'l', 'a', 'b', 'c', 'd');
    expect(run(doc, 'LPOP', 'l', '0')).toEqual(arr());
    expect(run(doc, 'RPOP', 'l', '2')).toEqual(arr(bulk('d'), bulk('c')));
    expect(run(doc, 'LPOP', 'l')).toEqual(bulk('a'));
    expect(run(doc, 'LPOP', 'l', '5')).toEqual(arr(bulk('b')));
    expect(doc.has(b('l'))).toBe(false);
    expect(run(doc, 'LPOP', 'l', 'x')).toEqual(err('ERR value is out of range, must be positive'));
    expect(run(doc, 'LPOP', 'l', '1', '2')).toEqual(err("ERR wrong number of arguments for 'lpop' command"));
  });

  it('a changed list keeps its TTL; one emptied loses it with the key', () => {
    const doc = Document.empty();
    run(doc, 'RPUSH', 'l', 'a', 'b', 'c');
    run(doc, 'PEXPIRE', 'l', '5000');
    for (const cmd of [['RPUSH', 'l', 'x'], ['LPOP', 'l'], ['LSET', 'l', '0', 'y'], ['LINSERT', 'l', 'BEFORE', 'y', 'z'], ['LREM', 'l', '1', 'z'], ['LTRIM', 'l', '0', '-1'], ['LMOVE', 'l', 'l', 'LEFT', 'RIGHT']]) {
      run(doc, ...cmd);
      expect([cmd[0], doc.entry(b('l'))?.expiresAt]).toEqual([cmd[0], NOW + 5000]);
    }
    run(doc, 'LTRIM', 'l', '1', '0');
    expect(doc.has(b('l'))).toBe(false);
    run(doc, 'RPUSH', 'l', 'a');
    expect(doc.entry(b('l'))?.expiresAt).toBeUndefined();
  });

  it('LMOVE of a one-element list onto itself keeps the key and its TTL (Redis pushes before it deletes)', () => {
    const doc = Document.empty();
    run(doc, 'RPUSH', 'l', 'a');
    run(doc, 'PEXPIRE', 'l', '5000');
    expect(run(doc, 'RPOPLPUSH', 'l', 'l')).toEqual(bulk('a'));
    expect(doc.entry(b('l'))?.expiresAt).toBe(NOW + 5000);
  });

  it('an expired list is absent to every command', () => {
    const doc = Document.empty();
    run(doc, 'RPUSH', 'l', 'a');
    run(doc, 'PEXPIRE', 'l', '10');
    expect(runAt(doc, NOW + 11, 'LLEN', 'l')).toEqual(int(0));
    expect(runAt(doc, NOW + 11, 'LPUSHX', 'l', 'b')).toEqual(int(0));
    expect(runAt(doc, NOW + 11, 'RPUSH', 'l', 'b')).toEqual(int(1));
    expect(doc.entry(b('l'))?.expiresAt).toBeUndefined();
  });
});

describe('edits', () => {
  it('LREM and LTRIM remove the key when they empty the list', () => {
    const doc = Document.empty();
    run(doc, 'RPUSH', 'l', 'a', 'a');
    expect(run(doc, 'LREM', 'l', '0', 'a')).toEqual(int(2));
    expect(doc.has(b('l'))).toBe(false);
    run(doc, 'RPUSH', 'l', 'a', 'b');
    expect(run(doc, 'LTRIM', 'l', '5', '10')).toEqual(OK);
    expect(doc.has(b('l'))).toBe(false);
  });

  it('large lists (several chunks): LINSERT, LSET, LREM from the tail, LRANGE across chunks', () => {
    const doc = Document.empty();
    const n = 1000;
    run(doc, 'RPUSH', 'l', ...Array.from({ length: n }, (_, i) => String(i % 10)));
    expect(run(doc, 'LINSERT', 'l', 'AFTER', '9', 'x')).toEqual(int(n + 1));
    expect(run(doc, 'LINDEX', 'l', '10')).toEqual(bulk('x'));
    expect(run(doc, 'LSET', 'l', '-1', 'last')).toEqual(OK);
    expect(run(doc, 'LREM', 'l', '-3', '5')).toEqual(int(3));
    expect(run(doc, 'LLEN', 'l')).toEqual(int(n - 2));
    expect(run(doc, 'LRANGE', 'l', '500', '502')).toEqual(arr(bulk('9'), bulk('0'), bulk('1')));
    // The 5s were at 5, 15, … 995, one further from 10 on after the insert; the last three went.
    expect(run(doc, 'LPOS', 'l', '5', 'RANK', '-1')).toEqual(int(966));
  });

  it('LPOS with MAXLEN compares at most that many elements', () => {
    const doc = Document.empty();
    run(doc, 'RPUSH', 'l', 'a', 'b', 'c', 'a');
    expect(run(doc, 'LPOS', 'l', 'a', 'COUNT', '0', 'MAXLEN', '3')).toEqual(arr(int(0)));
    expect(run(doc, 'LPOS', 'l', 'a', 'RANK', '-1', 'COUNT', '0')).toEqual(arr(int(3), int(0)));
  });
});

describe('WRONGTYPE', () => {
  const commands = [
    ['LPUSH', 's', 'a'], ['RPUSH', 's', 'a'], ['LPUSHX', 's', 'a'], ['RPUSHX', 's', 'a'], ['LPOP', 's'], ['RPOP', 's', '1'], ['LLEN', 's'], ['LRANGE', 's', '0', '1'],
    ['LINDEX', 's', '0'], ['LSET', 's', '0', 'v'], ['LINSERT', 's', 'BEFORE', 'a', 'b'], ['LREM', 's', '0', 'a'], ['LTRIM', 's', '0', '1'], ['LPOS', 's', 'a'],
    ['LMOVE', 's', 'd', 'LEFT', 'LEFT'], ['RPOPLPUSH', 's', 'd'], ['LMPOP', '1', 's', 'LEFT'], ['BLPOP', 's', '0'], ['BRPOP', 's', '0'],
    ['BLMOVE', 's', 'd', 'LEFT', 'LEFT', '0'], ['BRPOPLPUSH', 's', 'd', '0'], ['BLMPOP', '0', '1', 's', 'LEFT'],
  ];
  it.each(commands.map((c) => [c.join(' '), c]))('%s', (_, cmd) => {
    const doc = Document.empty();
    doc.set(b('s'), b('v'));
    expect(runBlocking(doc, ...cmd)).toEqual(WRONGTYPE);
    expect(doc.get(b('s'))?.toString()).toBe('v');
  });

  it('a destination of another type is WRONGTYPE before anything moves', () => {
    const doc = Document.empty();
    doc.set(b('s'), b('v'));
    run(doc, 'RPUSH', 'l', 'a');
    expect(run(doc, 'LMOVE', 'l', 's', 'LEFT', 'LEFT')).toEqual(WRONGTYPE);
    expect(range(doc, 'l')).toEqual(arr(bulk('a')));
    expect(run(doc, 'LMOVE', 'none', 's', 'LEFT', 'LEFT')).toEqual(NIL);
  });
});

describe('blocking pops', () => {
  const blocked = (retry: string[], keys: string[], timeoutMs: number, onTimeout: WireReply): WireReply => ({
    t: 'blocked',
    retry: retry.map((w) => b(w).toString('base64')),
    keys: keys.map((k) => b(k).toString('base64')),
    timeoutMs,
    onTimeout,
  });

  it('a client\'s own command that finds nothing answers "blocked" with the command to retry, its keys and timeout', () => {
    const doc = Document.empty();
    expect(runBlocking(doc, 'BLPOP', 'a', 'b', '1.5')).toEqual(blocked(['blpop', 'a', 'b', '1.5'], ['a', 'b'], 1500, NULL_ARRAY));
    expect(runBlocking(doc, 'BRPOP', 'a', '0')).toEqual(blocked(['brpop', 'a', '0'], ['a'], 0, NULL_ARRAY));
    expect(runBlocking(doc, 'BLMOVE', 'a', 'd', 'left', 'RIGHT', '0.01')).toEqual(blocked(['blmove', 'a', 'd', 'left', 'right', '0.01'], ['a'], 10, NULL_ARRAY));
    expect(runBlocking(doc, 'BRPOPLPUSH', 'a', 'd', '2')).toEqual(blocked(['brpoplpush', 'a', 'd', '2'], ['a'], 2000, NULL_ARRAY));
    expect(runBlocking(doc, 'BLMPOP', '0', '2', 'a', 'b', 'LEFT', 'COUNT', '3')).toEqual(blocked(['blmpop', '0', '2', 'a', 'b', 'LEFT', 'COUNT', '3'], ['a', 'b'], 0, NULL_ARRAY));
    expect(doc.size).toBe(0);
  });

  it('inside MULTI or a script (no blocking allowed) they answer the timeout reply at once', () => {
    const doc = Document.empty();
    expect(run(doc, 'BLPOP', 'a', '0')).toEqual(NULL_ARRAY);
    expect(run(doc, 'BRPOPLPUSH', 'a', 'd', '0')).toEqual(NIL);
    expect(run(doc, 'BLMPOP', '0', '1', 'a', 'RIGHT')).toEqual(NULL_ARRAY);
  });

  it('with an element they pop like their non-blocking forms', () => {
    const doc = Document.empty();
    run(doc, 'RPUSH', 'b', 'x', 'y', 'z');
    expect(runBlocking(doc, 'BLPOP', 'a', 'b', '0')).toEqual(arr(bulk('b'), bulk('x')));
    expect(runBlocking(doc, 'BRPOP', 'a', 'b', '0')).toEqual(arr(bulk('b'), bulk('z')));
    expect(runBlocking(doc, 'BLMOVE', 'b', 'd', 'LEFT', 'LEFT', '0')).toEqual(bulk('y'));
    expect(doc.has(b('b'))).toBe(false);
    expect(runBlocking(doc, 'BLMPOP', '0', '2', 'b', 'd', 'LEFT', 'COUNT', '9')).toEqual(arr(bulk('d'), arr(bulk('y'))));
  });

  it('timeouts as Redis reads them: errors for words and negatives, checked before the keys', () => {
    const doc = Document.empty();
    doc.set(b('s'), b('v'));
    expect(runBlocking(doc, 'BLPOP', 's', 'x')).toEqual(err('ERR timeout is not a float or out of range'));
    expect(runBlocking(doc, 'BLPOP', 's', '-0.5')).toEqual(err('ERR timeout is negative'));
    expect(runBlocking(doc, 'BLMOVE', 's', 'd', 'up', 'LEFT', 'x')).toEqual(err('ERR syntax error'));
  });
});
