/**
 * Redis runs Lua 5.1, where every number is a double. fengari is Lua 5.3 with
 * 32-bit integers: `1733245000 * 1000` wraps around to a negative number and
 * `0xffffffff` is -1. So before a script is compiled, every integer numeral
 * in its source becomes a float numeral (`1000` → `1000.0`, hex → its decimal
 * value), which makes arithmetic on literals float arithmetic, as in 5.1.
 * With LUA_COMPAT_FLOATSTRING (see lua.ts) an integral float still prints as
 * `5`, not `5.0`. Line numbers are untouched (only numerals are rewritten), so
 * error positions stay those of the script as sent.
 */

const DIGIT = /[0-9]/;
const WORD = /[A-Za-z0-9_]/;

/** The source with its integer numerals written as floats; strings and comments are left alone. */
export function floatNumerals(src: string): string {
  let out = '';
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    const skip = skipOpaque(src, i);
    if (skip > i) {
      out += src.slice(i, skip);
      i = skip;
    } else if (DIGIT.test(c) || (c === '.' && DIGIT.test(src[i + 1] ?? '') && src[i - 1] !== '.')) {
      const end = numeralEnd(src, i);
      out += asFloat(src.slice(i, end));
      i = end;
    } else if (WORD.test(c)) {
      let j = i;
      while (j < src.length && WORD.test(src[j])) j++;
      out += src.slice(i, j);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** Where a string literal or comment starting at `i` ends (or `i` when none starts there). */
function skipOpaque(src: string, i: number): number {
  const c = src[i];
  if (c === '"' || c === "'") {
    let j = i + 1;
    while (j < src.length && src[j] !== c && src[j] !== '\n') j += src[j] === '\\' ? 2 : 1;
    return Math.min(j + 1, src.length);
  }
  if (c === '[') {
    const level = longBracket(src, i);
    return level < 0 ? i : closeLong(src, i + level + 2, level);
  }
  if (c === '-' && src[i + 1] === '-') {
    const level = src[i + 2] === '[' ? longBracket(src, i + 2) : -1;
    if (level >= 0) return closeLong(src, i + 2 + level + 2, level);
    const nl = src.indexOf('\n', i);
    return nl < 0 ? src.length : nl;
  }
  return i;
}

/** `[[` → 0, `[==[` → 2; -1 when `[` opens no long bracket. */
function longBracket(src: string, i: number): number {
  let j = i + 1;
  while (src[j] === '=') j++;
  return src[j] === '[' ? j - i - 1 : -1;
}

function closeLong(src: string, from: number, level: number): number {
  const end = src.indexOf(`]${'='.repeat(level)}]`, from);
  return end < 0 ? src.length : end + level + 2;
}

/** Lua's lexer reads a numeral greedily: alphanumerics, dots, and a sign right after an exponent mark. */
function numeralEnd(src: string, i: number): number {
  const hex = src[i] === '0' && (src[i + 1] === 'x' || src[i + 1] === 'X');
  const exp = hex ? /[pP]/ : /[eE]/;
  let j = hex ? i + 2 : i;
  while (j < src.length) {
    if ((src[j] === '+' || src[j] === '-') && exp.test(src[j - 1])) j++;
    else if (WORD.test(src[j]) || src[j] === '.') j++;
    else break;
  }
  return j;
}

function asFloat(numeral: string): string {
  if (/^[0-9]+$/.test(numeral)) return `${numeral}.0`;
  // Lua 5.1 reads a hex numeral as a double (0xffffffff is 4294967295); 5.3 wraps it to an integer.
  if (/^0[xX][0-9a-fA-F]+$/.test(numeral)) return `${BigInt(numeral).toString()}.0`;
  return numeral;
}
