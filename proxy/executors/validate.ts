/**
 * What comes back from a handler is checked as strictly as what the handler
 * checks coming in: a response is used only if it is exactly what the
 * contract (lambda/contract.ts) describes, for this request. Anything else
 * is a malformed response, whose effect on the batch is unknown.
 *
 * The check walks every reply, but does not scan bulk strings' base64 byte by
 * byte: that costs ~45 ms per 6 MB value (measured), on the hot path, and a
 * stray character could not crash anything (Buffer.from skips it).
 */
import { MAX_MARKS_PER_COMMIT } from '../../lambda/changes';
import { deltasProblem } from '../../lambda/contract-fold';
import { CONTRACT_VERSION, DATABASES, type BatchRequest, type BatchResponse, type WireReply } from '../../lambda/contract';

type Obj = Record<string, unknown>;
/** What is wrong with a value, or null. */
type Problem = string | null;
/** Checks one reply's fields besides its tag; `inner` checks a nested reply. */
type Shape = (r: Obj, inner: (x: unknown, at: string) => Problem) => Problem;

/** Deeper nesting than any command replies with: a recursion bound, not a protocol limit. */
const MAX_DEPTH = 64;

const isObj = (x: unknown): x is Obj => typeof x === 'object' && x !== null && !Array.isArray(x);
const isCount = (x: unknown): boolean => Number.isSafeInteger(x) && (x as number) >= 0;

// The building blocks of reply shapes.
const text: Shape = (r) => (typeof r.v === 'string' ? null : 'v is not a string');
/** An integer, or (beyond ±2^53) its decimal text. */
const integer: Shape = (r) => (Number.isInteger(r.v) || (typeof r.v === 'string' && /^-?[0-9]{1,20}$/.test(r.v)) ? null : 'v is not an integer');
const base64: Shape = (r) => (typeof r.v === 'string' && r.v.length % 4 === 0 ? null : 'v is not base64');
const list: Shape = (r, inner) => (Array.isArray(r.v) ? firstProblem(r.v, (x, i) => inner(x, `[${i}]`)) : 'v is not an array');
/** For RESP3 maps: [key, value] pairs. */
const pairs: Shape = (r, inner) =>
  Array.isArray(r.v)
    ? firstProblem(r.v, (p, i) => (Array.isArray(p) && p.length === 2 ? inner(p[0], `[${i}][0]`) ?? inner(p[1], `[${i}][1]`) : `[${i}] is not a pair`))
    : 'v is not an array';
const boolean: Shape = (r) => (typeof r.v === 'boolean' ? null : 'v is not a boolean');
/** A null may mark Redis's null array; nothing else. */
const nullShape: Shape = (r) => (r.array === undefined || r.array === true ? null : 'array is not true');
/** Doubles travel as the text Redis prints (1.5, inf, -inf, nan); big numbers as digits. */
const doubleText: Shape = (r) => (typeof r.v === 'string' && /^(-?inf|nan|[-+0-9.eE]{1,400})$/.test(r.v) ? null : 'v is not a double');
const digits: Shape = (r) => (typeof r.v === 'string' && /^-?[0-9]+$/.test(r.v) ? null : 'v is not a big number');
const verbatim: Shape = (r) => (typeof r.format === 'string' && /^[a-z]{3}$/.test(r.format) ? base64(r, () => null) : 'format is not three letters');
const base64List = (x: unknown): boolean => Array.isArray(x) && x.every((a) => typeof a === 'string' && a.length % 4 === 0);
/** A blocking command's "try again later": what to retry, the keys that wake it, its timeout, and its timeout reply. */
const blocked: Shape = (r, inner) => {
  if (!base64List(r.retry) || (r.retry as string[]).length === 0) return 'retry is not a non-empty list of base64 arguments';
  if (!base64List(r.keys)) return 'keys is not a list of base64 keys';
  if (typeof r.timeoutMs !== 'number' || !Number.isSafeInteger(r.timeoutMs) || r.timeoutMs < 0) return 'timeoutMs is not a non-negative integer';
  return isObj(r.onTimeout) && r.onTimeout.t !== 'blocked' ? inner(r.onTimeout, '.onTimeout') : 'onTimeout is not a reply';
};

/**
 * Every tag a WireReply may carry, and the shape of the rest. Typed over
 * WireReply['t'], so a tag added to the contract does not compile until it
 * has its line here (RESP3: map → pairs, set → list, bool → boolean, …).
 */
const REPLY_SHAPES: Record<WireReply['t'], Shape> = {
  simple: text,
  error: text,
  int: integer,
  bulk: base64,
  null: nullShape,
  array: list,
  map: (r, inner) => (r.nested === undefined || r.nested === true ? pairs(r, inner) : 'nested is not true'),
  set: list,
  pairs,
  double: doubleText,
  bool: boolean,
  bignum: digits,
  verbatim,
  blocked,
};

function firstProblem<T>(xs: T[], check: (x: T, i: number) => Problem): Problem {
  for (let i = 0; i < xs.length; i++) {
    const p = check(xs[i], i);
    if (p !== null) return p;
  }
  return null;
}

/** Whether `x` is a well-formed WireReply; the problem is prefixed with where it is. */
export function checkReply(x: unknown, at = 'reply', depth = 0): Problem {
  if (depth > MAX_DEPTH) return `${at}: nested deeper than ${MAX_DEPTH}`;
  if (!isObj(x)) return `${at}: not an object`;
  const shape = typeof x.t === 'string' && Object.prototype.hasOwnProperty.call(REPLY_SHAPES, x.t) ? REPLY_SHAPES[x.t as WireReply['t']] : undefined;
  if (!shape) return `${at}: unknown reply type ${JSON.stringify(x.t)?.slice(0, 40)}`;
  const p = shape(x, (y, sub) => checkReply(y, `${at}${sub}`, depth + 1));
  // A nested reply's problem already says where it is; the shape's own does not.
  return p === null ? null : p.startsWith(at) ? p : `${at}: ${p}`;
}

function checkStats(x: unknown): Problem {
  if (!isObj(x)) return 'stats is not an object';
  for (const k of ['s3Gets', 's3Puts', 'conflicts', 'keys'] as const) if (!isCount(x[k])) return `stats.${k} is not a count`;
  for (const k of ['repliesLost', 'foldsApplied', 'foldsDropped', 'usedBytes'] as const) if (x[k] !== undefined && !isCount(x[k])) return `stats.${k} is not a count`;
  if (x.foldWanted !== undefined && typeof x.foldWanted !== 'boolean') return 'stats.foldWanted is not a boolean';
  if (x.keyspace !== undefined) {
    if (!Array.isArray(x.keyspace)) return 'stats.keyspace is not an array';
    for (const k of x.keyspace as unknown[]) {
      if (!isObj(k) || !['db', 'keys', 'expires', 'avgTtl'].every((f) => isCount(k[f]))) return 'stats.keyspace has a malformed entry';
    }
  }
  return typeof x.replayed === 'boolean' ? null : 'stats.replayed is not a boolean';
}

/**
 * Each session answered is one the request sent, answered once, with at most
 * one reply per command it sent. A session may be missing: the batcher
 * answers its commands "outcome unknown".
 */
function checkSessions(req: BatchRequest, x: unknown): Problem {
  if (!Array.isArray(x)) return 'sessions is not an array';
  const sent = new Map(req.sessions.map((s) => [s.id, s.commands.length]));
  const seen = new Set<string>();
  return firstProblem(x, (s, i) => {
    if (!isObj(s) || typeof s.id !== 'string') return `sessions[${i}] has no id`;
    const commands = sent.get(s.id);
    if (commands === undefined) return `sessions[${i}] has id ${JSON.stringify(s.id.slice(0, 40))}, which the request did not send`;
    if (seen.has(s.id)) return `session ${JSON.stringify(s.id)} is answered twice`;
    seen.add(s.id);
    if (!Array.isArray(s.replies)) return `sessions[${i}].replies is not an array`;
    if (s.replies.length > commands) return `sessions[${i}] has ${s.replies.length} replies for ${commands} commands`;
    return firstProblem(s.replies as unknown[], (r, j) => checkReply(r, `sessions[${i}].replies[${j}]`));
  });
}

function checkFailure(x: unknown): Problem {
  if (!isObj(x)) return 'failure is not an object';
  if (x.kind !== 'not-applied' && x.kind !== 'unknown' && x.kind !== 'write-required') return `failure.kind ${JSON.stringify(x.kind)?.slice(0, 40)} is not a failure kind`;
  return typeof x.message === 'string' ? null : 'failure.message is not a string';
}

function checkLease(x: unknown): Problem {
  if (x === undefined) return null;
  if (!isObj(x)) return 'lease is not an object';
  if (!(x.holder === null || typeof x.holder === 'string') || !(x.address === null || typeof x.address === 'string')) return 'lease.holder/address is not a string or null';
  return isCount(x.remainingMs) ? null : 'lease.remainingMs is not a count';
}

/** Change marks (lambda/changes.ts): `<db hex>:<hash hex>`, `*<db hex>` or `*`, at most the cap of one commit record. */
export function checkChanged(x: unknown): Problem {
  if (x === undefined) return null;
  if (!Array.isArray(x) || x.length > MAX_MARKS_PER_COMMIT) return 'changed is not a list of change marks';
  return x.every((m) => typeof m === 'string' && /^(\*|\*[0-9a-f]{1,2}|[0-9a-f]{1,2}:[0-9a-f]{1,8})$/.test(m)) ? null : 'changed has a malformed change mark';
}

/** The response, typed, if it is a well-formed answer to `req`; otherwise what is wrong with it. */
export function validateResponse(req: BatchRequest, raw: unknown): BatchResponse | string {
  if (!isObj(raw)) return 'not an object';
  if (raw.v !== CONTRACT_VERSION) return `contract version ${JSON.stringify(raw.v)?.slice(0, 40)} is not ${CONTRACT_VERSION}`;
  if (raw.batchId !== req.batchId) return `batchId ${JSON.stringify(raw.batchId)?.slice(0, 80)} is not this batch's`;
  let problem: Problem;
  if (raw.ok === true) problem = checkSessions(req, raw.sessions) ?? checkStats(raw.stats) ?? checkLease(raw.lease) ?? checkChanged(raw.changed) ?? (raw.folds === undefined ? null : deltasProblem(raw.folds, (s) => s.length > 0, DATABASES));
  else if (raw.ok === false) problem = checkFailure(raw.failure) ?? (raw.stats === undefined ? null : checkStats(raw.stats));
  else problem = 'ok is not a boolean';
  return problem ?? (raw as unknown as BatchResponse);
}
