/**
 * The argument cursor every command parses with (mini-redis's `Parse`):
 * words come off the front in order, each conversion fails with Redis's own
 * error text, and a command that wants no more words says so with end().
 */
import { CommandError, NOT_FLOAT, NOT_INTEGER, SYNTAX_ERROR } from '../errors';

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
/** Redis's string2ll: no sign but '-', no leading zeros, no spaces; "-0" is not an integer. */
const INTEGER = /^(0|-?[1-9][0-9]{0,18})$/;
/** What strtold accepts that a JavaScript Number() would also accept, plus inf; never NaN. */
const FLOAT = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^[+-]?inf(inity)?$/i;

/** A signed 64-bit integer as Redis parses it, or null. */
export function parseInteger(b: Buffer): bigint | null {
  if (b.length === 0 || b.length > 20) return null;
  const s = b.toString('latin1');
  if (!INTEGER.test(s)) return null;
  const n = BigInt(s);
  return n < INT64_MIN || n > INT64_MAX ? null : n;
}

/** A double as Redis parses it (no spaces, no NaN), or null. */
export function parseFloat64(b: Buffer): number | null {
  if (b.length === 0 || b.length > 5000) return null;
  const s = b.toString('latin1');
  if (!FLOAT.test(s)) return null;
  if (/inf/i.test(s)) return s.startsWith('-') ? -Infinity : Infinity;
  return Number(s);
}

export { INT64_MAX, INT64_MIN };

export class Args {
  private i: number;

  /** `argv` includes the command name; parsing starts after it. */
  constructor(private readonly argv: readonly Buffer[], start = 1) {
    this.i = start;
  }

  /** Words not yet taken. */
  get left(): number {
    return this.argv.length - this.i;
  }

  /** The next word; running out of words is a syntax error, as in Redis. */
  next(): Buffer {
    if (this.i >= this.argv.length) throw new CommandError(SYNTAX_ERROR);
    return this.argv[this.i++];
  }

  key(): Buffer {
    return this.next();
  }

  /** A signed 64-bit integer. */
  integer(): bigint {
    const n = parseInteger(this.next());
    if (n === null) throw new CommandError(NOT_INTEGER);
    return n;
  }

  /** An integer small enough for a JavaScript number (counts, indexes, times). */
  int(): number {
    const n = this.integer();
    if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) throw new CommandError(NOT_INTEGER);
    return Number(n);
  }

  float(): number {
    const n = parseFloat64(this.next());
    if (n === null) throw new CommandError(NOT_FLOAT);
    return n;
  }

  /** An option word, lower-cased (options are case-insensitive). */
  word(): string {
    return this.next().toString('latin1').toLowerCase();
  }

  /** Takes the next word if it is one of `words` (case-insensitive), else leaves it. */
  option(...words: string[]): string | null {
    if (this.i >= this.argv.length) return null;
    const w = this.argv[this.i].toString('latin1').toLowerCase();
    if (!words.includes(w)) return null;
    this.i++;
    return w;
  }

  /** Every word left. */
  rest(): Buffer[] {
    const out = this.argv.slice(this.i);
    this.i = this.argv.length;
    return out;
  }

  /** No more words allowed: extra ones are a syntax error. */
  end(): void {
    if (this.i < this.argv.length) throw new CommandError(SYNTAX_ERROR);
  }
}
