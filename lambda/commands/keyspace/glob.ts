/**
 * Redis's glob (util.c stringmatchlen, as redis-server 7.0.15 runs it, case
 * sensitive): `*`, `?`, `[abc]`, `[^abc]`, `[a-z]` (ends in either order),
 * `\x` for a literal x. Its quirks are kept on purpose, since KEYS and SCAN
 * MATCH must select exactly the keys Redis would:
 * - `!` is not a negation (`[!a]` is the set of `!` and `a`);
 * - an unterminated `[` ends the pattern as if closed there (`[ab` is `[ab]`);
 * - `[a-]` is the range from `a` to `]`; a trailing `\` matches a `\`;
 * - range ends compare as signed chars (x86's `char`): `[a-\xff]` is -1..97;
 * - a pattern nested more than 1000 `*` deep matches nothing (the guard
 *   against abusive patterns, CVE-2024-31228).
 * Bytes past the end read as 0, as C reads the string's terminator.
 */

const STAR = 0x2a;
const QUESTION = 0x3f;
const OPEN = 0x5b;
const CLOSE = 0x5d;
const CARET = 0x5e;
const DASH = 0x2d;
const BACKSLASH = 0x5c;
const MAX_NESTING = 1000;

const at = (b: Buffer, i: number): number => (i < b.length ? b[i] : 0);
const signed = (c: number): number => (c > 127 ? c - 256 : c);

/** Whether `s` matches `pattern`. */
export function globMatch(pattern: Buffer, s: Buffer): boolean {
  return match(pattern, 0, s, 0, { skipLonger: false }, 0);
}

/**
 * Once the rest of a pattern after a `*` matched nowhere in the rest of the
 * string, no earlier `*` can help by consuming more: Redis stops there
 * (skipLongerMatches), which keeps `*a*a*a…b` linear instead of exponential.
 */
interface State {
  skipLonger: boolean;
}

function match(p: Buffer, pi: number, s: Buffer, si: number, st: State, nesting: number): boolean {
  if (nesting > MAX_NESTING) return false;
  while (pi < p.length && si < s.length) {
    const c = p[pi];
    if (c === STAR) {
      while (at(p, pi + 1) === STAR) pi++;
      if (pi === p.length - 1) return true;
      for (; si < s.length; si++) {
        if (match(p, pi + 1, s, si, st, nesting + 1)) return true;
        if (st.skipLonger) return false;
      }
      st.skipLonger = true;
      return false;
    }
    if (c === OPEN) {
      const r = bracket(p, pi, s[si]);
      if (!r.matched) return false;
      pi = r.end;
    } else if (c !== QUESTION) {
      if (c === BACKSLASH && p.length - pi >= 2) pi++;
      if (p[pi] !== s[si]) return false;
    }
    si++;
    pi++;
    if (si === s.length) {
      while (at(p, pi) === STAR) pi++;
      break;
    }
  }
  return pi >= p.length && si === s.length;
}

/**
 * A `[...]` set at `pi` against one byte: whether it matched, and where the
 * set ends (its `]`, or the pattern's last byte when it is unterminated).
 */
function bracket(p: Buffer, pi: number, ch: number): { matched: boolean; end: number } {
  pi++;
  const not = at(p, pi) === CARET;
  if (not) pi++;
  let matched = false;
  for (;; pi++) {
    const left = p.length - pi;
    if (at(p, pi) === BACKSLASH && left >= 2) {
      pi++;
      if (p[pi] === ch) matched = true;
    } else if (at(p, pi) === CLOSE) {
      break;
    } else if (left === 0) {
      pi--;
      break;
    } else if (left >= 3 && p[pi + 1] === DASH) {
      const [lo, hi] = [signed(p[pi]), signed(p[pi + 2])].sort((a, b) => a - b);
      const c = signed(ch);
      pi += 2;
      if (c >= lo && c <= hi) matched = true;
    } else if (p[pi] === ch) {
      matched = true;
    }
  }
  return { matched: not ? !matched : matched, end: pi };
}
