/**
 * Stream behaviour the reference test cannot pin down against a live
 * redis-server: `*` ids from the batch clock (and monotonic when the clock
 * is behind the stream), XREAD BLOCK's "blocked" reply and its retry argv
 * (`$` resolved), XREAD BLOCK in MULTI, TTLs kept, no-op trims and deletes
 * that write nothing (WATCH), approximate trimming, and the RESP2 form of
 * XREAD's reply.
 */
import type { WireReply } from '../../lambda/contract';
import { toWire } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { contextFor, executeOne } from '../../lambda/engine';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { encode, fromWire, toBuffer } from '../../proxy/resp/reply';
import { argv, bulk, int, NIL, runAt } from './util';

const T = 1_800_000_000_000;

function client(doc: Document, now: number, touched = new Touched()) {
  // A client's own command: the engine's top-level context, which may block.
  const ctx = contextFor(new Keyspace(doc, touched, 0, now), undefined, true);
  return (...words: string[]): WireReply => toWire(executeOne(ctx, argv(...words)));
}

const ids = (r: WireReply): string[] => (r.t === 'array' ? r.v.map((e) => (e.t === 'array' && e.v[0].t === 'bulk' ? Buffer.from(e.v[0].v, 'base64').toString() : '?')) : []);

describe('XADD *', () => {
  test('takes the batch clock, then the next sequence within the same millisecond', () => {
    const doc = Document.empty();
    expect(runAt(doc, T, 'XADD', 's', '*', 'f', 'v')).toEqual(bulk(`${T}-0`));
    expect(runAt(doc, T, 'XADD', 's', '*', 'f', 'v')).toEqual(bulk(`${T}-1`));
    expect(runAt(doc, T + 5, 'XADD', 's', '*', 'f', 'v')).toEqual(bulk(`${T + 5}-0`));
  });

  test('a clock behind the stream still makes a greater id (last id + 1), as Redis does', () => {
    const doc = Document.empty();
    expect(runAt(doc, T, 'XADD', 's', `${T + 60_000}-7`, 'f', 'v')).toEqual(bulk(`${T + 60_000}-7`));
    expect(runAt(doc, T, 'XADD', 's', '*', 'f', 'v')).toEqual(bulk(`${T + 60_000}-8`));
    expect(runAt(doc, T, 'XADD', 's', `${T + 60_000}-18446744073709551615`, 'f', 'v')).toEqual(bulk(`${T + 60_000}-18446744073709551615`));
    expect(runAt(doc, T, 'XADD', 's', '*', 'f', 'v')).toEqual(bulk(`${T + 60_001}-0`));
    expect(runAt(doc, T, 'XADD', 's', `${T + 60_001}-*`, 'f', 'v')).toEqual(bulk(`${T + 60_001}-1`));
  });

  test('a stream keeps its TTL through XADD, XDEL and XTRIM; emptied, it stays a stream', () => {
    const doc = Document.empty();
    runAt(doc, T, 'XADD', 's', '1-1', 'f', 'v');
    expect(runAt(doc, T, 'PEXPIRE', 's', '100000')).toEqual(int(1));
    runAt(doc, T, 'XADD', 's', '2-1', 'f', 'v');
    expect(runAt(doc, T, 'XDEL', 's', '1-1')).toEqual(int(1));
    expect(runAt(doc, T, 'XTRIM', 's', 'MAXLEN', '0')).toEqual(int(1));
    expect(runAt(doc, T, 'PTTL', 's')).toEqual(int(100000));
    expect(runAt(doc, T, 'TYPE', 's')).toEqual({ t: 'simple', v: 'stream' });
    expect(runAt(doc, T, 'XLEN', 's')).toEqual(int(0));
    // The last id survives the emptying: ids keep growing.
    expect(runAt(doc, T, 'XADD', 's', '2-1', 'f', 'v')).toEqual({ t: 'error', v: 'ERR The ID specified in XADD is equal or smaller than the target stream top item' });
  });
});

describe('writes only when something changed', () => {
  test('XDEL of absent ids and XTRIM that removes nothing record no change (a WATCH stays valid)', () => {
    const doc = Document.empty();
    runAt(doc, T, 'XADD', 's', '1-1', 'f', 'v');
    const touched = new Touched();
    const run = client(doc, T, touched);
    expect(run('XDEL', 's', '9-9')).toEqual(int(0));
    expect(run('XTRIM', 's', 'MAXLEN', '5')).toEqual(int(0));
    expect(run('XTRIM', 's', 'MINID', '0-1')).toEqual(int(0));
    expect(touched.changes).toEqual([]);
    expect(run('XTRIM', 's', 'MINID', '2')).toEqual(int(1));
    expect(touched.changes).toHaveLength(1);
  });
});

describe('approximate trimming (~): exact in valthree, capped by LIMIT', () => {
  test('MAXLEN ~ keeps at least the threshold, and LIMIT bounds what one call removes', () => {
    const doc = Document.empty();
    for (let i = 1; i <= 50; i++) runAt(doc, T, 'XADD', 's', `${i}-1`, 'f', 'v');
    expect(runAt(doc, T, 'XTRIM', 's', 'MAXLEN', '~', '40', 'LIMIT', '3')).toEqual(int(3));
    expect(runAt(doc, T, 'XTRIM', 's', 'MAXLEN', '~', '40')).toEqual(int(7));
    expect(runAt(doc, T, 'XLEN', 's')).toEqual(int(40));
    expect(runAt(doc, T, 'XADD', 's', 'MINID', '~', '20', '51-1', 'f', 'v')).toEqual(bulk('51-1'));
    expect(runAt(doc, T, 'XRANGE', 's', '-', '-', 'COUNT', '1')).toEqual({ t: 'array', v: [] });
    expect(ids(runAt(doc, T, 'XRANGE', 's', '-', '+', 'COUNT', '1'))).toEqual(['20-1']);
  });
});

describe('XREAD BLOCK', () => {
  test('with nothing to read, a client\'s XREAD is blocked; the retry has $ replaced by each stream\'s last id', () => {
    const doc = Document.empty();
    runAt(doc, T, 'XADD', 'a', '5-1', 'f', 'v');
    const r = client(doc, T)('XREAD', 'COUNT', '2', 'BLOCK', '1500', 'STREAMS', 'a', 'missing', '$', '$');
    expect(r).toEqual({
      t: 'blocked',
      retry: argv('XREAD', 'COUNT', '2', 'BLOCK', '1500', 'STREAMS', 'a', 'missing', '5-1', '0-0').map((x) => x.toString('base64')),
      keys: argv('a', 'missing').map((x) => x.toString('base64')),
      timeoutMs: 1500,
      onTimeout: { t: 'null', array: true },
    });
    // The retry, after an XADD, answers the new entry: nothing added between attempts is missed.
    runAt(doc, T, 'XADD', 'a', '6-1', 'g', 'w');
    if (r.t !== 'blocked') throw new Error('not blocked');
    const again = toWire(executeOne(contextFor(new Keyspace(doc, new Touched(), 0, T), undefined, true), r.retry.map((x) => Buffer.from(x, 'base64'))));
    expect(again).toEqual({ t: 'map', nested: true, v: [[bulk('a'), { t: 'array', v: [{ t: 'array', v: [bulk('6-1'), { t: 'array', v: [bulk('g'), bulk('w')] }] }] }]] });
  });

  test('BLOCK 0 blocks forever (timeout 0); a huge timeout is forever too', () => {
    const doc = Document.empty();
    expect(client(doc, T)('XREAD', 'BLOCK', '0', 'STREAMS', 's', '$')).toMatchObject({ t: 'blocked', timeoutMs: 0 });
    expect(client(doc, T)('XREAD', 'BLOCK', '9223372036854775807', 'STREAMS', 's', '0')).toMatchObject({ t: 'blocked', timeoutMs: 0 });
  });

  test('inside MULTI (a context that may not block) it answers a null array at once', () => {
    const doc = Document.empty();
    expect(runAt(doc, T, 'XREAD', 'BLOCK', '0', 'STREAMS', 's', '$')).toEqual({ t: 'null', array: true });
    expect(runAt(doc, T, 'XREAD', 'STREAMS', 's', '0')).toEqual({ t: 'null', array: true });
  });

  test('data already there is answered at once, BLOCK or not', () => {
    const doc = Document.empty();
    runAt(doc, T, 'XADD', 's', '1-1', 'f', 'v');
    expect(client(doc, T)('XREAD', 'BLOCK', '100', 'STREAMS', 's', '0')).toMatchObject({ t: 'map' });
  });
});

test('XREAD on the wire: a map on RESP3, [key, entries] pairs on RESP2 (not one flat array); nil is *-1 on RESP2', () => {
  const doc = Document.empty();
  runAt(doc, T, 'XADD', 's', '1-1', 'f', 'v');
  const r = fromWire(runAt(doc, T, 'XREAD', 'STREAMS', 's', '0'));
  const wire = (proto: 2 | 3) => {
    const out: (string | Buffer)[] = [];
    encode(r, proto, out);
    return toBuffer(out).toString('latin1');
  };
  const entries = '*1\r\n*2\r\n$3\r\n1-1\r\n*2\r\n$1\r\nf\r\n$1\r\nv\r\n';
  expect(wire(3)).toBe(`%1\r\n$1\r\ns\r\n${entries}`);
  expect(wire(2)).toBe(`*1\r\n*2\r\n$1\r\ns\r\n${entries}`);
  const none: (string | Buffer)[] = [];
  encode(fromWire(runAt(doc, T, 'XREAD', 'STREAMS', 's', '$')), 2, none);
  expect(toBuffer(none).toString()).toBe('*-1\r\n');
  expect(runAt(doc, T, 'XADD', 'none', 'NOMKSTREAM', '1-1', 'f', 'v')).toEqual(NIL);
});
