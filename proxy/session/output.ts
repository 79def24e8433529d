/**
 * A connection's outgoing replies: encoded in order, written in one socket
 * write per step, and only whole. A reply whose encoding threw half way is
 * dropped entirely, so the client never sees a torn reply (which would
 * shift every later reply onto the wrong command).
 */
import type { Socket } from 'node:net';
import type { SessionState } from '../local';
import { encode, toBuffer, type Reply } from '../resp/reply';

export class ReplyOutput {
  private parts: (string | Buffer)[] = [];
  /** The first `complete` parts are whole replies. */
  private complete = 0;

  constructor(private readonly socket: Socket, private readonly state: SessionState) {}

  /** Appends a reply's encoding; returns its size in bytes. */
  add(reply: Reply): number {
    const before = this.parts.length;
    encode(reply, this.state.protocol, this.parts);
    this.complete = this.parts.length;
    let bytes = 0;
    // Reply strings are latin1, one byte per char (see toBuffer).
    for (let k = before; k < this.parts.length; k++) bytes += this.parts[k].length;
    return bytes;
  }

  /** Appends bytes already encoded (an error decided by the session itself). */
  addRaw(encoded: string): void {
    this.parts.push(encoded);
    this.complete = this.parts.length;
  }

  /** Forgets the parts of a reply that was not finished. */
  dropIncomplete(): void {
    this.parts.length = this.complete;
  }

  /** Writes what is buffered, in one socket write. */
  flush(): void {
    if (this.parts.length === 0) return;
    this.write(this.parts);
    this.parts = [];
    this.complete = 0;
  }

  private write(parts: (string | Buffer)[]): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    const bytes = parts.length === 1 && Buffer.isBuffer(parts[0]) ? parts[0] : toBuffer(parts);
    this.state.netOut += bytes.length;
    this.socket.write(bytes);
  }
}
