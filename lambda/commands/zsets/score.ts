/**
 * Scores as redis-server 7.0.15 reads and prints them (t_zset.c, util.c).
 *
 * Reading: Redis hands every score to C's strtod, so what it accepts is
 * strtod's grammar (decimal, hexadecimal `0x1p3`, `inf`/`infinity`, NaN
 * refused), with two different wrappers: a score or weight must be the whole
 * argument, no leading space, and must not overflow or underflow to zero
 * (getDoubleFromObject: `ERR value is not a valid float`), while a range
 * bound (ZRANGEBYSCORE, ZCOUNT: zslParseRange) takes leading spaces, an
 * empty string (0) and out-of-range values (±inf, 0).
 *
 * Printing: addReplyDouble's "%.17g" — ZSCORE 0.1 answers
 * `0.10000000000000001`. Redis 7.2 switched to the shortest round-trip form
 * (`0.1`); 7.0.15 is the reference here, so this prints what it prints.
 */

/** C's isspace in the "C" locale. */
const SPACE = /^[ \t\n\v\f\r]*/;
const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const HEX = /^([+-]?)0[xX]((?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+))(?:[pP]([+-]?\d+))?/;
const SPECIAL = /^([+-]?)(?:(infinity|inf)|nan(?:\([0-9A-Za-z_]*\))?)/i;

/** What strtod makes of `s`: the value, how many characters it used (0: no conversion), and whether it hit ERANGE. */
export function strtod(s: string): { value: number; used: number; range: boolean } {
  const lead = SPACE.exec(s)![0].length;
  const rest = s.slice(lead);
  const special = SPECIAL.exec(rest);
  if (special) {
    const inf = special[2] !== undefined;
    const value = inf ? (special[1] === '-' ? -Infinity : Infinity) : NaN;
    return { value, used: lead + special[0].length, range: false };
  }
  const hex = HEX.exec(rest);
  if (hex) {
    const value = hexValue(hex[1] === '-', hex[2], hex[3] ?? '0');
    const zeroDigits = /^[0.]*$/.test(hex[2]);
    return { value, used: lead + hex[0].length, range: !Number.isFinite(value) || (value === 0 && !zeroDigits) };
  }
  const dec = DECIMAL.exec(rest);
  if (!dec) return { value: 0, used: 0, range: false };
  const value = Number(dec[0]);
  const mantissa = dec[0].replace(/[eE].*$/, '');
  const zeroDigits = /^[+-]?[0.]*$/.test(mantissa);
  return { value, used: lead + dec[0].length, range: !Number.isFinite(value) || (value === 0 && !zeroDigits) };
}

/** A hexadecimal float, correctly rounded: the digits as a BigInt scaled by a power of two. */
function hexValue(neg: boolean, digits: string, exp: string): number {
  const [int, frac = ''] = digits.split('.');
  let m = BigInt(`0x0${int}${frac}`);
  let e2 = Number(exp) - 4 * frac.length;
  // 64 bits and a sticky bit round to the same double as every digit would.
  const bits = m.toString(2).length;
  if (bits > 64) {
    const drop = bits - 64;
    const sticky = m & ((1n << BigInt(drop)) - 1n) ? 1n : 0n;
    m = (m >> BigInt(drop)) | sticky;
    e2 += drop;
  }
  // Scaling is exact while the result is a normal double; below that it may round twice (no score anyone sends).
  const value = e2 < -1000 ? Number(m) * 2 ** (e2 + 600) * 2 ** -600 : Number(m) * 2 ** e2;
  return neg ? -value : value;
}

/**
 * A score, increment or weight (getDoubleFromObject): the whole argument,
 * no leading space, no NaN, no overflow, no underflow to zero. Null when
 * Redis would refuse it.
 */
export function parseScore(b: Buffer): number | null {
  if (b.length === 0 || b.length > 5000) return null;
  const s = b.toString('latin1');
  if (/^[ \t\n\v\f\r]/.test(s)) return null;
  const r = strtod(s);
  if (r.used !== s.length || r.range || Number.isNaN(r.value)) return null;
  return r.value;
}

/**
 * -0 is stored as 0: redis-server keeps a small sorted set as a listpack,
 * which writes a score's text and reads "-0" back as the integer 0. (Only a
 * set past 128 members, a skiplist, keeps -0; no client depends on it.)
 * Replies computed before storing keep the sign, as Redis's do: ZINCRBY of
 * -0 on a new member answers "-0", ZUNION … WEIGHTS -0 answers -0 scores.
 */
export const normalize = (x: number): number => (x === 0 ? 0 : x);

/** A range bound (zslParseRangeItem): `(` for exclusive, then whatever strtod reads, to the end of the argument. */
export interface ScoreBound {
  value: number;
  exclusive: boolean;
}

function parseBound(b: Buffer): ScoreBound | null {
  // Redis reads the argument as a C string: an embedded NUL ends it.
  const nul = b.indexOf(0);
  let s = (nul < 0 ? b : b.subarray(0, nul)).toString('latin1');
  const exclusive = s.startsWith('(');
  if (exclusive) s = s.slice(1);
  const r = strtod(s);
  if (s.length > 0 && r.used !== s.length) return null;
  if (Number.isNaN(r.value)) return null;
  return { value: r.value, exclusive };
}

export interface ScoreRange {
  min: ScoreBound;
  max: ScoreBound;
}

export const MIN_MAX_NOT_FLOAT = 'ERR min or max is not a float';

export function parseScoreRange(min: Buffer, max: Buffer): ScoreRange | null {
  const lo = parseBound(min);
  const hi = parseBound(max);
  return lo && hi ? { min: lo, max: hi } : null;
}

export const gteMin = (s: number, r: ScoreRange): boolean => (r.min.exclusive ? s > r.min.value : s >= r.min.value);
export const lteMax = (s: number, r: ScoreRange): boolean => (r.max.exclusive ? s < r.max.value : s <= r.max.value);

/** The score as Redis 7.0.15's addReplyDouble prints it: "%.17g", and inf / -inf. (Redis 7.2 prints the shortest round-trip text.) */
export function formatScore(x: number): string {
  if (x === Infinity) return 'inf';
  if (x === -Infinity) return '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [digits, exp] = significand17(x);
  const neg = x < 0 ? '-' : '';
  const d = digits.replace(/0+$/, '');
  if (exp < -4 || exp >= 17) {
    const mant = d.length > 1 ? `${d[0]}.${d.slice(1)}` : d;
    return `${neg}${mant}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  }
  if (exp < 0) return `${neg}0.${'0'.repeat(-exp - 1)}${d}`;
  const int = d.slice(0, exp + 1).padEnd(exp + 1, '0');
  const frac = d.slice(exp + 1);
  return `${neg}${int}${frac ? `.${frac}` : ''}`;
}

/**
 * The 17 significant digits of |x| and its decimal exponent, rounded as
 * glibc's printf rounds: to nearest, ties to even, on the exact binary value.
 * JavaScript's toExponential breaks ties away from zero; a tie needs the
 * exact value to end in a 5 at the 18th digit, so only then is the exact
 * expansion worked out.
 */
function significand17(x: number): [string, number] {
  const a = Math.abs(x);
  const wide = a.toExponential(17);
  if (wide[18] !== '5') return split(a.toExponential(16));
  const exact = exactDigits(a);
  if (exact.digits.length !== 18 || !exact.digits.endsWith('5')) return split(a.toExponential(16));
  // A tie: keep the 17 digits if the last is even, else round up.
  const head = BigInt(exact.digits.slice(0, 17));
  const kept = head % 2n === 0n ? head : head + 1n;
  const s = kept.toString();
  return s.length > 17 ? [s.slice(0, 17), exact.exp + 1] : [s, exact.exp];
}

function split(e: string): [string, number] {
  const [m, exp] = e.split('e');
  return [m.replace('.', ''), Number(exp)];
}

/** Every significant decimal digit of a finite positive double, and the exponent of the first. */
function exactDigits(a: number): { digits: string; exp: number } {
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, a);
  const hi = buf.getUint32(0);
  const lo = buf.getUint32(4);
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased !== 0) m |= 1n << 52n;
  const e2 = (biased === 0 ? 1 : biased) - 1075;
  let digits: string;
  let pointFromRight: number;
  if (e2 >= 0) {
    digits = (m << BigInt(e2)).toString();
    pointFromRight = 0;
  } else {
    digits = (m * 5n ** BigInt(-e2)).toString();
    pointFromRight = -e2;
  }
  const exp = digits.length - 1 - pointFromRight;
  return { digits: digits.replace(/0+$/, ''), exp };
}
