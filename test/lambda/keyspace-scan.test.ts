/**
 * SCAN: cursor parsing and options as redis-server 7.0.15 reads them, and
 * the guarantee (a key present for the whole iteration is returned at least
 * once) as properties, with writes, deletes, expiry and a reloaded document
 * between calls.
 */
import fc from 'fast-check';
import type { WireReply } from '../../lambda/contract';
import { Document } from '../../lambda/document';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { keyHash, scanPage } from '../../lambda/commands/keyspace/scan';
import { harness, names, T0, type Harness } from './keyspace-harness';
import { b, bulk, bytesArb, err } from './util';

/** [cursor, keys] of a SCAN reply. */
function page(reply: WireReply): { next: string; keys: string[] } {
  if (reply.t !== 'array' || reply.v[0].t !== 'bulk') throw new Error(`not a SCAN reply: ${JSON.stringify(reply)}`);
  return { next: Buffer.from(reply.v[0].v, 'base64').toString(), keys: names(reply.v[1]) };
}

function withKeys(keys: (string | Buffer)[]): Harness {
  const h = harness();
  for (const k of keys) h.run('SET', k, 'v');
  return h;
}

/** Keys in the order SCAN visits them. */
const inHashOrder = (keys: string[]) => [...keys].sort((x, y) => keyHash(b(x)) - keyHash(b(y)));

describe('the cursor', () => {
  const h = withKeys(['a', 'b', 'c']);

  it.each(['0', '', '+0', '-0', '000'])('%j starts at the beginning', (cursor) => {
    expect(page(h.run('SCAN', cursor))).toEqual({ next: '0', keys: ['a', 'b', 'c'] });
  });

  it.each(['-1', '18446744073709551615', '4503599627370496', '9007199254740993'])('%j is past every key: an empty last page', (cursor) => {
    expect(page(h.run('SCAN', cursor))).toEqual({ next: '0', keys: [] });
  });

  it.each(['1.5', 'abc', ' 1', '1 ', '+', '-', '-+1', '+-1', '0x10', '1e3', '18446744073709551616', '-18446744073709551616', '\t1'])("%j is 'ERR invalid cursor'", (cursor) => {
    expect(h.run('SCAN', cursor)).toEqual(err('ERR invalid cursor'));
  });

  it('is parsed before the options', () => {
    expect(h.run('SCAN', 'x', 'foo')).toEqual(err('ERR invalid cursor'));
  });

  it('pages follow key-hash order; the next cursor is the hash of the first key left out', () => {
    const order = inHashOrder(['a', 'b', 'c', 'd', 'e']);
    const h5 = withKeys(order);
    const first = page(h5.run('SCAN', '0', 'COUNT', '2'));
    expect(first).toEqual({ next: String(keyHash(b(order[2]))), keys: order.slice(0, 2).sort() });
    const second = page(h5.run('SCAN', first.next, 'COUNT', '2'));
    expect(second).toEqual({ next: String(keyHash(b(order[4]))), keys: order.slice(2, 4).sort() });
    expect(page(h5.run('SCAN', second.next, 'COUNT', '2'))).toEqual({ next: '0', keys: [order[4]] });
  });

  it('the key hash never changes (cursors outlive deployments): pinned values', () => {
    expect(keyHash(b(''))).toBe(3338908027751811);
    expect(keyHash(b('a'))).toBe(3425698174302465);
    expect(keyHash(b('key:1'))).toBe(2963545627461165);
    expect(keyHash(b([0x00, 0xff]))).toBe(2021137400402156);
  });

  it('cursors are below 2^52, so a client parsing them as doubles keeps every digit (property)', () => {
    fc.assert(fc.property(bytesArb, (k) => Number.isSafeInteger(keyHash(k)) && keyHash(k) >= 0 && keyHash(k) < 2 ** 52));
  });
});

describe('options', () => {
  it.each([
    [['COUNT', '0'], 'ERR syntax error'],
    [['count', '-1'], 'ERR syntax error'],
    [['COUNT', 'x'], 'ERR value is not an integer or out of range'],
    [['COUNT', '99999999999999999999'], 'ERR value is not an integer or out of range'],
    [['COUNT'], 'ERR syntax error'],
    [['MATCH'], 'ERR syntax error'],
    [['TYPE'], 'ERR syntax error'],
    [['foo', 'bar'], 'ERR syntax error'],
    [['foo'], 'ERR syntax error'],
    [['COUNT', '0', 'MATCH'], 'ERR syntax error'],
    [['MATCH', '*', 'COUNT', 'x'], 'ERR value is not an integer or out of range'],
  ])('SCAN 0 %p → %s', (words, error) => {
    expect(withKeys(['a']).run('SCAN', '0', ...words)).toEqual(err(error));
  });

  it('TYPE: string in any case; another or an unknown type matches nothing', () => {
    const h = withKeys(['a', 'b']);
    expect(page(h.run('SCAN', '0', 'TYPE', 'string')).keys).toEqual(['a', 'b']);
    expect(page(h.run('SCAN', '0', 'type', 'STRING')).keys).toEqual(['a', 'b']);
    expect(page(h.run('SCAN', '0', 'TYPE', 'hash'))).toEqual({ next: '0', keys: [] });
    expect(page(h.run('SCAN', '0', 'TYPE', 'foo'))).toEqual({ next: '0', keys: [] });
  });

  it('MATCH filters before COUNT counts: a filtered page is full of matches', () => {
    const keys = ['x1', 'x2', 'x3', 'y1', 'y2', 'y3', 'y4', 'y5'];
    const h = withKeys(keys);
    let cursor = '0';
    const seen: string[] = [];
    do {
      const p = page(h.run('SCAN', cursor, 'MATCH', 'x*', 'COUNT', '1'));
      expect(p.keys.length).toBeLessThanOrEqual(1);
      if (p.next !== '0') expect(p.keys).toHaveLength(1);
      seen.push(...p.keys);
      cursor = p.next;
    } while (cursor !== '0');
    expect(seen.sort()).toEqual(['x1', 'x2', 'x3']);
  });

  it('options repeat and the last one wins; MATCH * is every key', () => {
    const h = withKeys(['a', 'b', '']);
    expect(page(h.run('SCAN', '0', 'MATCH', 'a', 'COUNT', '1', 'TYPE', 'string', 'COUNT', '5', 'MATCH', '*'))).toEqual({ next: '0', keys: ['', 'a', 'b'] });
  });

  it('expired keys are never returned; binary keys are', () => {
    const bin = b([0x00, 0xff, 0x0d, 0x0a]);
    const h = withKeys(['a', 'dead', bin]);
    h.run('PEXPIRE', 'dead', '1');
    h.now = T0 + 2;
    const reply = h.run('SCAN', '0', 'COUNT', '100');
    expect(page(reply).keys).toEqual(['a', bin.toString('latin1')].sort());
    expect(reply.t === 'array' && reply.v[1].t === 'array' && reply.v[1].v).toContainEqual(bulk(bin));
  });

  it('wrong arity', () => {
    expect(harness().run('SCAN')).toEqual(err("ERR wrong number of arguments for 'scan' command"));
  });
});

/** One step between two SCAN calls: what changes the keyspace meanwhile. */
type Step = { op: 'set' | 'del' | 'expire'; key: number } | { op: 'reload' };

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ op: fc.constantFrom('set' as const, 'del' as const, 'expire' as const), key: fc.nat(19) }),
  fc.constant({ op: 'reload' as const }),
);

/** Applies a step; volatile keys are `v0`…`v19`, never the stable ones. */
function apply(h: Harness, step: Step, present: Set<string>): void {
  if (step.op === 'reload') {
    // The same keys in a freshly decoded document: another storage layout, same cursor.
    h.doc = Document.decode(Buffer.from(h.doc.encode()));
    return;
  }
  const key = `v${step.key}`;
  if (step.op === 'set') h.run('SET', key, 'v');
  if (step.op === 'del') h.run('DEL', key);
  if (step.op === 'expire') h.run('PEXPIRE', key, '1');
  h.now += 2;
  if (step.op === 'set') present.add(key);
  else present.delete(key);
}

describe("SCAN's guarantee (properties)", () => {
  const stableArb = fc.uniqueArray(fc.oneof(fc.string({ maxLength: 6 }), bytesArb.map((k) => k.toString('latin1'))), { maxLength: 40 }).map((ks) => ks.filter((k) => !/^v\d+$/.test(k)));

  it('every key present for the whole iteration is returned; nothing returned was absent; the cursor only advances', () => {
    fc.assert(
      fc.property(stableArb, fc.array(fc.tuple(fc.integer({ min: 1, max: 6 }), fc.array(stepArb, { maxLength: 3 })), { maxLength: 80 }), (stable, plan) => {
        const h = withKeys(stable.map((k) => b(k)));
        const present = new Set<string>();
        const seen = new Set<string>();
        let cursor = 0;
        for (let call = 0; ; call++) {
          const [count, steps] = plan[call % Math.max(plan.length, 1)] ?? [3, []];
          const p = page(h.run('SCAN', String(cursor), 'COUNT', String(count)));
          for (const k of p.keys) {
            expect(stable.includes(k) || present.has(k)).toBe(true);
            seen.add(k);
          }
          const next = Number(p.next);
          if (next === 0) break;
          expect(next).toBeGreaterThan(cursor);
          expect(call).toBeLessThan(stable.length + 200);
          cursor = next;
          for (const s of steps) apply(h, s, present);
        }
        for (const k of stable) expect(seen.has(k)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('with MATCH: every stable key that matches, and only matching keys', () => {
    fc.assert(
      fc.property(stableArb, fc.constantFrom('*a*', '?', '[a-m]*', 'v*', '*'), fc.integer({ min: 1, max: 4 }), (stable, pattern, count) => {
        const h = withKeys(stable.map((k) => b(k)));
        const expected = new Set(names(h.run('KEYS', pattern)));
        const seen = new Set<string>();
        let cursor = '0';
        do {
          const matching = new Set(names(h.run('KEYS', pattern)));
          const p = page(h.run('SCAN', cursor, 'MATCH', pattern, 'COUNT', String(count)));
          for (const k of p.keys) expect(matching.has(k)).toBe(true);
          p.keys.forEach((k) => seen.add(k));
          h.run('SET', `v${seen.size}`, 'v');
          cursor = p.next;
        } while (cursor !== '0');
        for (const k of expected) expect(seen.has(k)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('colliding hashes: keys sharing a hash come in one page, so the scan always advances', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 8 }), { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 4 }), (keys, count, buckets) => {
        const doc = Document.empty();
        for (const k of keys) doc.set(b(k), b('v'));
        const ks = new Keyspace(doc, new Touched(), 0, T0);
        // Few distinct hashes: many keys share each one.
        const hash = (k: Buffer) => (k.length % buckets) + 1;
        const seen: string[] = [];
        let cursor = 0;
        for (let calls = 0; ; calls++) {
          const p = scanPage(ks, cursor, { count, pattern: null, type: null }, hash);
          seen.push(...p.keys.map((k) => k.toString('latin1')));
          if (p.next === 0) break;
          expect(p.next).toBeGreaterThan(cursor);
          expect(calls).toBeLessThanOrEqual(buckets);
          cursor = p.next;
        }
        expect(seen.sort()).toEqual([...keys].sort());
      }),
    );
  });
});
