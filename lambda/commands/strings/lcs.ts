/** LCS key1 key2 [LEN] [IDX] [MINMATCHLEN len] [WITHMATCHLEN], as Redis 7.0's lcsCommand. */
import type { Reply } from '../../contract';
import { CommandError, SYNTAX_ERROR } from '../../errors';
import type { Args } from '../args';
import { bulk, int, specOf, type Command } from '../types';

export const KEYS_NOT_STRINGS = 'ERR The specified keys must contain string values';
export const LEN_AND_IDX = 'ERR If you want both the length and indexes, please just use IDX.';
export const LCS_TOO_BIG = 'ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len';
/** Redis refuses a table of more than proto-max-bulk-len bytes (4 bytes a cell). */
const MAX_TABLE_BYTES = 512 * 1024 * 1024;

interface Options {
  idx: boolean;
  len: boolean;
  withMatchLen: boolean;
  minMatchLen: number;
}

function parseOptions(args: Args): Options {
  const o: Options = { idx: false, len: false, withMatchLen: false, minMatchLen: 0 };
  while (args.left > 0) {
    const w = args.word();
    if (w === 'idx') o.idx = true;
    else if (w === 'len') o.len = true;
    else if (w === 'withmatchlen') o.withMatchLen = true;
    else if (w === 'minmatchlen' && args.left > 0) o.minMatchLen = Math.max(0, Number(args.integer()));
    else throw new CommandError(SYNTAX_ERROR);
  }
  if (o.idx && o.len) throw new CommandError(LEN_AND_IDX);
  return o;
}

/**
 * The dynamic-programming table: cell (i, j) at i·(blen+1) + j holds the LCS
 * length of a[0..i) and b[0..j). Cells never exceed the shorter length, so a
 * narrower array is used when it fits (Redis always takes 4 bytes a cell).
 */
function table(a: Buffer, b: Buffer): Uint8Array | Uint16Array | Uint32Array {
  const cells = (a.length + 1) * (b.length + 1);
  const shortest = Math.min(a.length, b.length);
  const t = shortest < 256 ? new Uint8Array(cells) : shortest < 65536 ? new Uint16Array(cells) : new Uint32Array(cells);
  const w = b.length + 1;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      t[i * w + j] = a[i - 1] === b[j - 1] ? t[(i - 1) * w + j - 1] + 1 : Math.max(t[(i - 1) * w + j], t[i * w + j - 1]);
    }
  }
  return t;
}

/**
 * Walks the table back from the end, as Redis does: the common subsequence,
 * and the matching ranges (in a, in b) from last to first, each emitted when
 * a mismatch or the start of a string ends it, if at least minMatchLen long.
 */
function walk(a: Buffer, b: Buffer, t: ArrayLike<number>, o: Options): { text: Buffer; matches: Reply[] } {
  const w = b.length + 1;
  let k = t[a.length * w + b.length];
  const text = Buffer.alloc(k);
  const matches: Reply[] = [];
  const unset = a.length; // Redis marks "no range open" with alen
  let [aStart, aEnd, bStart, bEnd] = [unset, 0, 0, 0];
  for (let i = a.length, j = b.length; i > 0 && j > 0; ) {
    let emit = false;
    if (a[i - 1] === b[j - 1]) {
      text[--k] = a[i - 1];
      if (aStart === unset) [aStart, aEnd, bStart, bEnd] = [i - 1, i - 1, j - 1, j - 1];
      else if (aStart === i && bStart === j) [aStart, bStart] = [aStart - 1, bStart - 1];
      else emit = true;
      if (aStart === 0 || bStart === 0) emit = true;
      i--;
      j--;
    } else {
      if (t[(i - 1) * w + j] > t[i * w + j - 1]) i--;
      else j--;
      if (aStart !== unset) emit = true;
    }
    if (!emit) continue;
    const len = aEnd - aStart + 1;
    if (o.minMatchLen === 0 || len >= o.minMatchLen) {
      const range = (s: number, e: number): Reply => ({ t: 'array', v: [int(s), int(e)] });
      matches.push({ t: 'array', v: [range(aStart, aEnd), range(bStart, bEnd), ...(o.withMatchLen ? [int(len)] : [])] });
    }
    aStart = unset;
  }
  return { text, matches };
}

export const lcs: Command = {
  spec: specOf('lcs'),
  run(args, { db }) {
    const ea = db.entry(args.key());
    const eb = db.entry(args.key());
    // Redis checks the keys' types before it looks at the options.
    if ((ea && ea.type !== 'string') || (eb && eb.type !== 'string')) throw new CommandError(KEYS_NOT_STRINGS);
    const a = ea?.value ?? Buffer.alloc(0);
    const b = eb?.value ?? Buffer.alloc(0);
    const o = parseOptions(args);
    if ((a.length + 1) * (b.length + 1) * 4 > MAX_TABLE_BYTES) throw new CommandError(LCS_TOO_BIG);
    const t = table(a, b);
    const length = t[t.length - 1];
    if (o.len) return int(length);
    const { text, matches } = walk(a, b, t, o);
    if (!o.idx) return bulk(text);
    return {
      t: 'map',
      v: [
        [bulk(Buffer.from('matches')), { t: 'array', v: matches }],
        [bulk(Buffer.from('len')), int(length)],
      ],
    };
  },
};
