/**
 * The proxy's check of what a handler answers (proxy/executors/validate.ts):
 * a response is used only if it is a well-formed answer to this request.
 */
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { checkReply, validateResponse } from '../../proxy/executors/validate';

const req: BatchRequest = {
  v: CONTRACT_VERSION,
  batchId: 'b-7',
  sessions: [
    { id: '0', commands: [['R0VU', 'aw=='], ['R0VU', 'aw==']] },
    { id: '1', commands: [['UElORw==']] },
  ],
};
const stats = { s3Gets: 1, s3Puts: 0, conflicts: 0, keys: 3, replayed: false };
const good = (): Record<string, unknown> & BatchResponse => ({
  v: CONTRACT_VERSION,
  batchId: 'b-7',
  ok: true,
  sessions: [
    { id: '0', replies: [{ t: 'bulk', v: 'dg==' }, { t: 'array', v: [{ t: 'int', v: 3 }, { t: 'null' }, { t: 'array', v: [{ t: 'simple', v: 'OK' }] }] }] },
    { id: '1', replies: [{ t: 'error', v: 'ERR no' }] },
  ],
  stats,
});

test('a well-formed response is returned as is', () => {
  const res = good();
  expect(validateResponse(req, res)).toBe(res);
  const notApplied = { v: CONTRACT_VERSION, batchId: 'b-7', ok: false, failure: { kind: 'not-applied', message: 'contended' } };
  expect(validateResponse(req, notApplied)).toBe(notApplied);
  expect(validateResponse(req, { ...notApplied, stats })).toEqual({ ...notApplied, stats });
});

test('fewer sessions, and fewer replies than commands, are well-formed (the batcher handles both)', () => {
  const res = { ...good(), sessions: [{ id: '0', replies: [{ t: 'bulk', v: '' }] }] };
  expect(validateResponse(req, res)).toBe(res);
});

/** Applies `change` to a copy of the good response and returns the validator's verdict. */
function verdict(change: (r: Record<string, unknown>) => void): BatchResponse | string {
  const r = JSON.parse(JSON.stringify(good())) as Record<string, unknown>;
  change(r);
  return validateResponse(req, r);
}
const sessions = (r: Record<string, unknown>) => r.sessions as { id: unknown; replies: unknown[] }[];

test.each<[string, (r: Record<string, unknown>) => void, RegExp]>([
  ['sessions missing', (r) => delete r.sessions, /^sessions is not an array$/],
  ['sessions not an array', (r) => (r.sessions = {}), /^sessions is not an array$/],
  ['a session the request did not send', (r) => (sessions(r)[1].id = '9'), /sessions\[1\] has id "9", which the request did not send/],
  ['a session without an id', (r) => (sessions(r)[0].id = 0), /sessions\[0\] has no id/],
  ['a session answered twice', (r) => (sessions(r)[1].id = '0'), /answered twice/],
  ['replies not an array', (r) => (sessions(r)[0].replies = 'x' as unknown as unknown[]), /sessions\[0\]\.replies is not an array/],
  ['more replies than commands', (r) => sessions(r)[1].replies.push({ t: 'null' }), /sessions\[1\] has 2 replies for 1 commands/],
  ['a reply that is not an object', (r) => (sessions(r)[1].replies[0] = 'OK'), /sessions\[1\]\.replies\[0\]: not an object/],
  ['an unknown reply type', (r) => (sessions(r)[1].replies[0] = { t: 'blob', v: 'x' }), /replies\[0\]: unknown reply type "blob"/],
  // Beyond ±2^53 an int travels as its digits; any other text is malformed.
  ['an int that is text but not digits', (r) => (sessions(r)[1].replies[0] = { t: 'int', v: '3x' }), /replies\[0\]: v is not an integer/],
  ['a double that is not a number', (r) => (sessions(r)[1].replies[0] = { t: 'double', v: 'one' }), /replies\[0\]: v is not a double/],
  ['a map entry that is not a pair', (r) => (sessions(r)[1].replies[0] = { t: 'map', v: [[{ t: 'int', v: 1 }]] }), /replies\[0\]: \[0\] is not a pair/],
  ['a verbatim string without its format', (r) => (sessions(r)[1].replies[0] = { t: 'verbatim', v: 'eA==' }), /format is not three letters/],
  ['a bulk that is not base64', (r) => (sessions(r)[0].replies[0] = { t: 'bulk', v: 42 }), /replies\[0\]: v is not base64/],
  ['a simple string without a value', (r) => (sessions(r)[1].replies[0] = { t: 'simple' }), /v is not a string/],
  ['a bad element deep in an array', (r) => ((sessions(r)[0].replies[1] as { v: { v: unknown[] }[] }).v[2].v[0] = { t: 'int', v: 1.5 }), /^sessions\[0\]\.replies\[1\]\[2\]\[0\]: v is not an integer$/],
  ['stats missing', (r) => delete r.stats, /stats is not an object/],
  ['stats with a negative count', (r) => ((r.stats as { keys: number }).keys = -1), /stats\.keys is not a count/],
  ['stats.replayed not a boolean', (r) => ((r.stats as { replayed: unknown }).replayed = 'no'), /stats\.replayed is not a boolean/],
  ['another batch', (r) => (r.batchId = 'b-8'), /batchId "b-8" is not this batch's/],
  ['another contract version', (r) => (r.v = 2), /contract version 2 is not 1/],
  ['ok missing', (r) => delete r.ok, /ok is not a boolean/],
])('malformed: %s', (_name, change, problem) => {
  expect(verdict(change)).toMatch(problem);
});

test.each<[string, unknown, RegExp]>([
  ['not an object', 'OK', /^not an object$/],
  ['null', null, /^not an object$/],
  ['a failure of an unknown kind', { v: 1, batchId: 'b-7', ok: false, failure: { kind: 'maybe', message: 'x' } }, /failure\.kind "maybe" is not a failure kind/],
  ['a failure without a message', { v: 1, batchId: 'b-7', ok: false, failure: { kind: 'unknown' } }, /failure\.message is not a string/],
  ['a failure with malformed stats', { v: 1, batchId: 'b-7', ok: false, failure: { kind: 'unknown', message: 'x' }, stats: {} }, /stats\.s3Gets is not a count/],
])('malformed: %s', (_name, raw, problem) => {
  expect(validateResponse(req, raw)).toMatch(problem);
});

test('nesting is bounded (no stack overflow on a hostile response)', () => {
  let deep: unknown = { t: 'null' };
  for (let i = 0; i < 100_000; i++) deep = { t: 'array', v: [deep] };
  expect(checkReply(deep)).toMatch(/nested deeper than 64/);
});
