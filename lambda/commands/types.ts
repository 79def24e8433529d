import type { WireReply } from '../contract';
import type { Document } from '../document';

/**
 * One command: parses its own arguments and applies itself to the snapshot.
 * Commands do no I/O; the handler owns the store and the commit.
 */
export interface Command {
  /** Lower-case name, as Redis reports it. */
  name: string;
  /** Redis arity: N means exactly N words (name included), -N at least N. */
  arity: number;
  /** Whether it may change the document (a batch with writes must commit). */
  write: boolean;
  /** Key positions for COMMAND: first, last (-1: to the end), step; 0s for none. */
  keys: [number, number, number];
  run(args: Buffer[], db: Document): WireReply;
}

export const OK: WireReply = { t: 'simple', v: 'OK' };
export const SYNTAX_ERROR: WireReply = { t: 'error', v: 'ERR syntax error' };
export const bulk = (b: Buffer): WireReply => ({ t: 'bulk', v: b.toString('base64') });
export const NIL: WireReply = { t: 'null' };

/** Redis 7's texts, which clients and users recognise. */
export function unknownCommandError(name: Buffer, args: Buffer[]): WireReply {
  // As Redis does: arguments are listed while the list is under 128 bytes, the last one cut to fit.
  let shown = '';
  for (const a of args) {
    if (shown.length >= 128) break;
    shown += `'${printable(a, 128 - shown.length)}' `;
  }
  return { t: 'error', v: `ERR unknown command '${printable(name, 128)}', with args beginning with: ${shown}` };
}

export function arityError(name: string): WireReply {
  return { t: 'error', v: `ERR wrong number of arguments for '${name}' command` };
}

export function arityOk(arity: number, words: number): boolean {
  return arity >= 0 ? words === arity : words >= -arity;
}

/** Error texts are single RESP lines: no CR/LF, and bounded. */
function printable(b: Buffer, max: number): string {
  return b.subarray(0, max).toString('latin1').replace(/[\r\n]/g, ' ');
}
