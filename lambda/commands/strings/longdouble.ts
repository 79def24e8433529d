/**
 * C's `long double` as redis-server on x86-64 Linux has it (x87 80-bit
 * extended precision: a 64-bit mantissa, exponents to ±16383), emulated
 * exactly with BigInt. INCRBYFLOAT parses, adds and prints in long double,
 * and a JavaScript double cannot reproduce its replies: Redis answers
 * `0.1 + 0.2` with `0.3` (the double sum prints as 0.30000000000000004),
 * keeps 9007199254740993 exact, and accepts 1e400. Each step here rounds
 * exactly as glibc does (strtold, the addition, printf's "%.17Lf"), so the
 * replies match byte for byte. Only the arithmetic INCRBYFLOAT needs is here.
 */

/** A finite value: (-1)^neg · m · 2^e, with m < 2^64. Zero is m = 0. */
export interface Finite {
  readonly inf?: false;
  readonly neg: boolean;
  readonly m: bigint;
  readonly e: number;
}
export type LongDouble = Finite | { readonly inf: true; readonly neg: boolean };

export const ZERO: Finite = { neg: false, m: 0n, e: 0 };

const MANTISSA_BITS = 64;
/** The quantum of the smallest subnormal: 2^-16445. */
const MIN_EXP = -16445;
/** Finite values are below 2^16384. */
const MAX_BITS = 16384;
/** strtold's input as Redis's string2ld takes it: 1 to 5119 bytes (MAX_LONG_DOUBLE_CHARS - 1). */
const MAX_CHARS = 5 * 1024 - 1;

const bitLength = (n: bigint): number => (n === 0n ? 0 : n.toString(2).length);

/** (num / den) · 2^shift, as an integer quotient, its remainder and the divisor. */
function divide(num: bigint, den: bigint, shift: number): [bigint, bigint, bigint] {
  const n = shift >= 0 ? num << BigInt(shift) : num;
  const d = shift >= 0 ? den : den << BigInt(-shift);
  return [n / d, n % d, d];
}

/** (num / den) · 2^e2 rounded to the nearest long double (ties to even), subnormals included. */
function round(neg: boolean, num: bigint, den: bigint, e2: number): LongDouble {
  if (num === 0n) return { neg, m: 0n, e: 0 };
  // num/den lies in (2^(bn-bd-1), 2^(bn-bd+1)): this e leaves a quotient in [2^63, 2^65).
  let e = Math.max(MIN_EXP, e2 + bitLength(num) - bitLength(den) - MANTISSA_BITS);
  let [q, r, d] = divide(num, den, e2 - e);
  if (q >= 1n << 64n) [q, r, d] = divide(num, den, e2 - ++e);
  if (2n * r > d || (2n * r === d && (q & 1n) === 1n)) q++;
  if (q === 1n << 64n) [q, e] = [q >> 1n, e + 1];
  if (bitLength(q) + e > MAX_BITS) return { inf: true, neg };
  return { neg, m: q, e };
}

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;
const HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)(?:\.([0-9a-fA-F]*))?(?:[pP]([+-]?\d+))?$/;
const INFINITY = /^([+-]?)inf(inity)?$/i;

/**
 * Redis's string2ld: the whole text must be what strtold reads (decimal or
 * hexadecimal, inf or infinity; no spaces, no NaN), and a finite text that
 * overflows or underflows to zero is refused (strtold's ERANGE). Null: not a
 * valid float.
 */
export function parseLongDouble(b: Buffer): LongDouble | null {
  if (b.length === 0 || b.length > MAX_CHARS) return null;
  const s = b.toString('latin1');
  const inf = INFINITY.exec(s);
  if (inf) return { inf: true, neg: inf[1] === '-' };
  const hex = HEX.exec(s);
  const dec = hex ? null : DECIMAL.exec(s);
  const [, sign, int = '', frac = '', exp = '0'] = hex ?? dec ?? [];
  if ((!hex && !dec) || int.length + frac.length === 0) return null;
  const neg = sign === '-';
  const x = hex ? fromHex(neg, int + frac, Number(exp) - 4 * frac.length) : fromDecimal(neg, int + frac, Number(exp) - frac.length);
  return x === null || x.inf || x.m !== 0n || /^0*$/.test(int + frac) ? x : null;
}

/** digits · 10^exp10; magnitudes far outside the range are decided without building huge numbers. */
function fromDecimal(neg: boolean, digits: string, exp10: number): LongDouble | null {
  const significant = digits.replace(/^0+/, '');
  if (significant === '') return { neg, m: 0n, e: 0 };
  const magnitude = significant.length + exp10; // the value lies in [10^(magnitude-1), 10^magnitude)
  if (magnitude - 1 >= 4933) return null; // ≥ 1e4933: beyond the largest long double (1.19e4932)
  if (magnitude <= -4951) return null; // < 1e-4951: below half the smallest subnormal (3.6e-4951)
  const n = BigInt(significant);
  const x = exp10 >= 0 ? round(neg, n * 10n ** BigInt(exp10), 1n, 0) : round(neg, n, 10n ** BigInt(-exp10), 0);
  return x.inf ? null : x;
}

/** hexdigits · 2^exp2. */
function fromHex(neg: boolean, digits: string, exp2: number): LongDouble | null {
  const n = BigInt(`0x${digits}`);
  if (n === 0n) return { neg, m: 0n, e: 0 };
  const bits = bitLength(n) + exp2; // the value lies in [2^(bits-1), 2^bits)
  if (bits - 1 >= MAX_BITS || bits < MIN_EXP - 1) return null;
  const x = round(neg, n, 1n, exp2);
  return x.inf ? null : x;
}

/** a + b, rounded once, as the FPU does; may overflow to infinity. */
export function add(a: Finite, b: Finite): LongDouble {
  const e = Math.min(a.e, b.e);
  const signed = (x: Finite) => (x.neg ? -x.m : x.m) << BigInt(x.e - e);
  const sum = signed(a) + signed(b);
  if (sum === 0n) return ZERO; // x + (-x) is +0 when rounding to nearest
  return round(sum < 0n, sum < 0n ? -sum : sum, 1n, e);
}

/**
 * Redis's ld2string in human mode: printf("%.17Lf") (every integer digit,
 * seventeen decimals rounded half to even, as glibc does), trailing zeros and
 * a bare point removed, and "-0" written "0".
 */
export function formatHuman(x: Finite): string {
  const SCALE = 10n ** 17n;
  let q: bigint;
  if (x.e >= 0) {
    q = (x.m << BigInt(x.e)) * SCALE;
  } else {
    const [quot, r, d] = divide(x.m * SCALE, 1n, x.e);
    q = 2n * r > d || (2n * r === d && (quot & 1n) === 1n) ? quot + 1n : quot;
  }
  if (q === 0n) return '0';
  const s = q.toString().padStart(18, '0');
  const frac = s.slice(-17).replace(/0+$/, '');
  return `${x.neg ? '-' : ''}${s.slice(0, -17)}${frac ? `.${frac}` : ''}`;
}
