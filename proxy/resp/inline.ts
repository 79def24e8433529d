/**
 * Inline commands (`PING\r\n` from nc or telnet): not RESP at all, a line of
 * words split here the way Redis's sdssplitargs splits them.
 */
import { CR, LF } from './syntax';

/**
 * Splits an inline line like Redis's sdssplitargs: words separated by blanks,
 * "double quotes" with \n \r \t \b \a \\ \" \xHH escapes, 'single quotes' with \'.
 * A closing quote must be followed by a blank or the end. Returns null if unbalanced.
 */
export function splitInline(line: Buffer): Buffer[] | null {
  // Fast path (nc, telnet, redis-benchmark's inline PING): no quotes, so words
  // are plain runs between blanks and can be views of the line.
  if (line.indexOf(0x22) < 0 && line.indexOf(0x27) < 0) return splitPlain(line);
  const out: Buffer[] = [];
  const n = line.length;
  let i = 0;
  for (;;) {
    while (i < n && isBlank(line[i])) i++;
    if (i >= n) return out;
    const word: number[] = [];
    i = readQuotedWord(line, i, word);
    if (i < 0) return null;
    out.push(Buffer.from(word));
  }
}

/** Reads one word that may contain quoted parts into `word`; returns where it ends, or -1 if unbalanced. */
function readQuotedWord(line: Buffer, start: number, word: number[]): number {
  const n = line.length;
  let inDq = false;
  let inSq = false;
  for (let i = start; ; i++) {
    if (inDq) {
      if (i >= n) return -1;
      const c = line[i];
      if (c === 0x5c /* \ */ && i + 3 < n && line[i + 1] === 0x78 /* x */ && isHex(line[i + 2]) && isHex(line[i + 3])) {
        word.push(parseInt(String.fromCharCode(line[i + 2], line[i + 3]), 16));
        i += 3;
      } else if (c === 0x5c && i + 1 < n) {
        i++;
        const e = line[i];
        word.push(e === 0x6e ? LF : e === 0x72 ? CR : e === 0x74 ? 0x09 : e === 0x62 ? 0x08 : e === 0x61 ? 0x07 : e);
      } else if (c === 0x22 /* " */) {
        if (i + 1 < n && !isBlank(line[i + 1])) return -1;
        inDq = false;
      } else word.push(c);
    } else if (inSq) {
      if (i >= n) return -1;
      const c = line[i];
      if (c === 0x5c && i + 1 < n && line[i + 1] === 0x27) {
        i++;
        word.push(0x27);
      } else if (c === 0x27 /* ' */) {
        if (i + 1 < n && !isBlank(line[i + 1])) return -1;
        inSq = false;
      } else word.push(c);
    } else {
      if (i >= n || isBlank(line[i])) return i;
      const c = line[i];
      if (c === 0x22) inDq = true;
      else if (c === 0x27) inSq = true;
      else word.push(c);
    }
  }
}

function splitPlain(line: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  const n = line.length;
  while (i < n) {
    while (i < n && isBlank(line[i])) i++;
    if (i >= n) break;
    const start = i;
    while (i < n && !isBlank(line[i])) i++;
    out.push(line.subarray(start, i));
  }
  return out;
}

/** What sdssplitargs calls space (isspace in the C locale). */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === CR || c === LF || c === 0x0b || c === 0x0c;
}

function isHex(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66) || (c >= 0x41 && c <= 0x46);
}
