/**
 * SETNX, SETEX, PSETEX, GETSET, GETDEL, GETEX: replies and error texts as
 * redis-server 7.0.15 gives them, and deadlines at an injected batch clock
 * (a key with deadline D is there at D, gone at D+1). SET: strings-set.test.ts.
 */
import { Document } from '../../lambda/document';
import { contextFor, executeOne } from '../../lambda/engine';
import { toWire } from '../../lambda/contract-wire';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { argv, b, bulk, err, int, NIL, OK, docWith, runAt } from './util';

const NOW = 1_000_000;
const at = runAt;
const run = (doc: Document, ...words: (string | Buffer)[]) => at(doc, NOW, ...words);
const deadlineOf = (doc: Document, key: string) => doc.entry(b(key))?.expiresAt;
const SYNTAX = err('ERR syntax error');
const NOT_INT = err('ERR value is not an integer or out of range');
const invalid = (cmd: string) => err(`ERR invalid expire time in '${cmd}' command`);


describe('SETNX, SETEX, PSETEX', () => {
  it('SETNX: 1 when it set the key (no TTL), 0 when it existed', () => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SETNX', 'k', 'v')).toEqual(int(0));
    expect(run(doc, 'SETNX', 'n', 'v')).toEqual(int(1));
    expect(doc.get(b('n'))?.toString()).toBe('v');
    run(doc, 'SET', 't', 'v', 'PX', '10');
    expect(at(doc, NOW + 11, 'SETNX', 't', 'w')).toEqual(int(1));
    expect(deadlineOf(doc, 't')).toBeUndefined();
  });

  it('SETEX / PSETEX set the value and a relative deadline, replacing any TTL', () => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, 'SETEX', 'k', '10', 'v')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(NOW + 10_000);
    expect(run(doc, 'PSETEX', 'k', '10', 'w')).toEqual(OK);
    expect(deadlineOf(doc, 'k')).toBe(NOW + 10);
    expect(at(doc, NOW + 10, 'GET', 'k')).toEqual(bulk('w'));
    expect(at(doc, NOW + 11, 'GET', 'k')).toEqual(NIL);
  });

  it.each([
    ['SETEX', '0', invalid('setex')],
    ['SETEX', '-3', invalid('setex')],
    ['SETEX', '9223372036854775', invalid('setex')],
    ['PSETEX', '0', invalid('psetex')],
    ['PSETEX', '9223372036854775807', invalid('psetex')],
    ['SETEX', 'abc', NOT_INT],
    ['PSETEX', '1e3', NOT_INT],
  ])('%s k %s v → its own error, nothing changes', (cmd, time, reply) => {
    const doc = docWith({ k: 'old' });
    expect(run(doc, cmd, 'k', time, 'v')).toEqual(reply);
    expect(doc.get(b('k'))?.toString()).toBe('old');
  });

  it.each([['SETNX', 'k'], ['SETEX', 'k', '1'], ['PSETEX', 'k', '1', 'v', 'x'], ['SETNX', 'k', 'v', 'x']].map((w) => [w]))('%p: wrong number of arguments', (words) => {
    expect(run(docWith(), ...words)).toEqual(err(`ERR wrong number of arguments for '${words[0].toLowerCase()}' command`));
  });
});

describe('GETSET, GETDEL', () => {
  it('GETSET replies with the old value and drops the TTL', () => {
    const doc = docWith();
    expect(run(doc, 'GETSET', 'k', 'v1')).toEqual(NIL);
    run(doc, 'SET', 'k', 'v1', 'EX', '100');
    expect(run(doc, 'GETSET', 'k', b([0, 0xff]))).toEqual(bulk('v1'));
    expect(deadlineOf(doc, 'k')).toBeUndefined();
    expect(run(doc, 'GET', 'k')).toEqual(bulk(b([0, 0xff])));
  });

  it('GETDEL replies with the value and deletes the key; nil (and no write) for a missing or expired key', () => {
    const doc = docWith({ k: 'v' });
    expect(run(doc, 'GETDEL', 'k')).toEqual(bulk('v'));
    expect(doc.has(b('k'))).toBe(false);
    expect(run(doc, 'GETDEL', 'k')).toEqual(NIL);
    run(doc, 'SET', 't', 'v', 'PX', '5');
    expect(at(doc, NOW + 5, 'GETDEL', 't')).toEqual(bulk('v'));
    run(doc, 'SET', 't', 'v', 'PX', '5');
    expect(at(doc, NOW + 6, 'GETDEL', 't')).toEqual(NIL);
  });
});

describe('GETEX', () => {
  it('without options it is GET and writes nothing', () => {
    const doc = docWith({ k: 'v' });
    const touched = new Touched();
    expect(toWire(executeOne(contextFor(new Keyspace(doc, touched, 0, NOW)), argv('GETEX', 'k')))).toEqual(bulk('v'));
    expect(toWire(executeOne(contextFor(new Keyspace(doc, touched, 0, NOW)), argv('GETEX', 'k', 'PERSIST')))).toEqual(bulk('v'));
    expect(touched.writes).toEqual([]);
    expect(run(doc, 'GETEX', 'missing', 'EX', '5')).toEqual(NIL);
    expect(doc.has(b('missing'))).toBe(false);
  });

  it('EX/PX/EXAT/PXAT set the deadline; PERSIST removes it', () => {
    const doc = docWith({ k: 'v' });
    expect(run(doc, 'GETEX', 'k', 'EX', '10')).toEqual(bulk('v'));
    expect(deadlineOf(doc, 'k')).toBe(NOW + 10_000);
    expect(run(doc, 'GETEX', 'k', 'px', '10')).toEqual(bulk('v'));
    expect(deadlineOf(doc, 'k')).toBe(NOW + 10);
    expect(run(doc, 'GETEX', 'k', 'EXAT', '5000')).toEqual(bulk('v'));
    expect(deadlineOf(doc, 'k')).toBe(5_000_000);
    expect(run(doc, 'GETEX', 'k', 'PXAT', String(NOW + 1))).toEqual(bulk('v'));
    expect(deadlineOf(doc, 'k')).toBe(NOW + 1);
    expect(run(doc, 'GETEX', 'k', 'PERSIST', 'persist')).toEqual(bulk('v'));
    expect(deadlineOf(doc, 'k')).toBeUndefined();
    expect(doc.get(b('k'))?.toString()).toBe('v');
  });

  it('an absolute time at or before the clock deletes the key (Redis counts the deadline itself as passed here)', () => {
    const doc = docWith({ k: 'v', j: 'w' });
    expect(run(doc, 'GETEX', 'k', 'PXAT', String(NOW))).toEqual(bulk('v'));
    expect(doc.has(b('k'))).toBe(false);
    expect(run(doc, 'GETEX', 'j', 'EXAT', '1')).toEqual(bulk('w'));
    expect(doc.has(b('j'))).toBe(false);
  });

  it('the time is checked only for an existing key, after the options parse', () => {
    const doc = docWith({ k: 'v' });
    expect(run(doc, 'GETEX', 'missing', 'EX', '0')).toEqual(NIL);
    expect(run(doc, 'GETEX', 'missing', 'EX', 'abc')).toEqual(NIL);
    expect(run(doc, 'GETEX', 'missing', 'foo')).toEqual(SYNTAX);
    expect(run(doc, 'GETEX', 'k', 'EX', '0')).toEqual(invalid('getex'));
    expect(run(doc, 'GETEX', 'k', 'PX', '9223372036854775807')).toEqual(invalid('getex'));
    expect(run(doc, 'GETEX', 'k', 'EX', 'abc')).toEqual(NOT_INT);
    expect(run(doc, 'GETEX', 'k', 'EXAT', '9223372036854775')).toEqual(bulk('v'));
    expect(deadlineOf(doc, 'k')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it.each([['NX'], ['XX'], ['GET'], ['KEEPTTL'], ['EX'], ['EX', '1', 'PERSIST'], ['PERSIST', 'EX', '1'], ['EX', '1', 'PX', '1']].map((o) => [o]))('GETEX k %p is a syntax error', (opts) => {
    const doc = docWith({ k: 'v' });
    expect(run(doc, 'GETEX', 'k', ...opts)).toEqual(SYNTAX);
    expect(deadlineOf(doc, 'k')).toBeUndefined();
  });
});
