/**
 * The allow-list's comparison (allow-list.ts): the score-format allowance —
 * valthree prints scores as redis-server 7.0.15 does (%.17g); against a 7.2
 * reference (shortest round-trip text) the replies may differ in exactly
 * that, and nothing else — and replies of an allow-listed command that
 * agree byte for byte.
 */
import type { Resp } from '../support/resp-client';
import { allowanceFor, compareReplies, scoresPrintedAs72, type CompareContext, type Observed } from './allow-list';

const bulk = (s: string): Observed => ({ resp: { t: 'bulk', v: Buffer.from(s) }, raw: Buffer.from(`$${s.length}\r\n${s}\r\n`) });
const double = (v: number, text: string): Observed => ({ resp: { t: 'double', v }, raw: Buffer.from(`,${text}\r\n`) });
const pairs = (items: [string, Observed][]): Observed => ({
  resp: { t: 'array', v: items.flatMap(([m, s]) => [{ t: 'bulk', v: Buffer.from(m) } as Resp, s.resp]) },
  raw: Buffer.concat([Buffer.from(`*${items.length * 2}\r\n`), ...items.flatMap(([m, s]) => [bulk(m).raw, s.raw])]),
});

test('ZSCORE and friends fall under it; other commands do not', () => {
  expect(allowanceFor([Buffer.from('ZSCORE'), Buffer.from('k'), Buffer.from('m')])?.id).toBe('score-format-7.2');
  expect(allowanceFor([Buffer.from('zrange'), Buffer.from('k'), Buffer.from('0'), Buffer.from('-1'), Buffer.from('WITHSCORES')])?.id).toBe('score-format-7.2');
  expect(allowanceFor([Buffer.from('GET'), Buffer.from('k')])).toBeUndefined();
});

test("valthree's %.17g against 7.2's shortest text of the same double passes, on RESP2 and RESP3", () => {
  expect(scoresPrintedAs72(bulk('0.10000000000000001'), bulk('0.1'))).toBe(true);
  expect(scoresPrintedAs72(double(0.1, '0.10000000000000001'), double(0.1, '0.1'))).toBe(true);
  expect(scoresPrintedAs72(pairs([['a', bulk('0.29999999999999999')], ['b', bulk('2')]]), pairs([['a', bulk('0.3')], ['b', bulk('2')]]))).toBe(true);
});

test('anything else fails: the other way round, another value, another member, another shape', () => {
  // valthree printing the 7.2 form where the reference printed 7.0.15's is a difference, not this one.
  expect(scoresPrintedAs72(bulk('0.1'), bulk('0.10000000000000001'))).toBe(false);
  expect(scoresPrintedAs72(double(0.1, '0.1'), double(0.1, '0.10000000000000001'))).toBe(false);
  expect(scoresPrintedAs72(bulk('0.20000000000000001'), bulk('0.1'))).toBe(false);
  expect(scoresPrintedAs72(pairs([['a', bulk('0.10000000000000001')]]), pairs([['b', bulk('0.1')]]))).toBe(false);
  expect(scoresPrintedAs72(pairs([['a', bulk('0.10000000000000001')]]), bulk('0.1'))).toBe(false);
  // A member that merely looks like a number is compared as a member.
  expect(scoresPrintedAs72(bulk('member'), bulk('0.1'))).toBe(false);
});

/** A comparison of one step's replies, with nothing to ask either server. */
function step(argv: string[], ours: Observed, theirs: Observed): CompareContext {
  return {
    argv: argv.map((a) => Buffer.from(a)),
    ours,
    theirs,
    call: () => Promise.reject(new Error('no follow-up expected')),
    expiredKeysPossible: false,
    features: new Set(),
    listed: new Set(),
    keys: [],
  };
}

const queued: Observed = { resp: { t: 'simple', v: 'QUEUED' }, raw: Buffer.from('+QUEUED\r\n') };

test('an allow-listed command queued inside MULTI answers +QUEUED on both sides: they agree (found by a 100k-sequence run: MULTI, DISCARD a, TIME)', async () => {
  expect(await compareReplies(step(['TIME'], queued, queued))).toBeNull();
  expect(await compareReplies(step(['SPOP', 'k'], queued, queued))).toBeNull();
  // Different bytes still go through the entry: a queued TIME against a real one is a difference.
  const time: Observed = { resp: { t: 'array', v: [] }, raw: Buffer.from('*0\r\n') };
  expect(await compareReplies(step(['TIME'], queued, time))).toMatch(/allow-list entry 'time' applied/);
});
