/**
 * What the transaction workloads' clients share: one plain RESP connection
 * that sends a few commands at once (MULTI … EXEC, WATCH + GETs, one EVAL)
 * and waits for all their replies, reconnecting as the register workload's
 * client does. Like it, it never re-sends: a pipeline without all its
 * replies leaves its transaction of unknown outcome and the connection is
 * dropped (a late reply would be taken for the next command's).
 */
import type { ConnectionOptions } from 'node:tls';
import { classifyError } from '../checker/history';
import { RawClient, encodeCommand, type Resp } from '../support/resp-client';
import { FatalClientError, connectOnce, type ClientStats } from './client';
import type { Address } from './cluster';

export interface ConnContext {
  stopped(): boolean;
  opTimeoutMs: number;
  thinkMs: number;
  password?: string;
  tls?: ConnectionOptions;
}

/** All the replies, or why they did not all come. */
export type Sent = { replies: Resp[] } | { failure: string; /** false: nothing was written */ written: boolean };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** How a transaction's final reply (EXEC's, EVAL's) ends it. */
export function outcomeOf(sent: Sent, last: number): { outcome: 'ok' | 'aborted' | 'unknown'; reply?: Resp; error?: string } {
  if ('failure' in sent) return { outcome: sent.written ? 'unknown' : 'aborted', error: sent.failure };
  const r = sent.replies[last];
  if (r.t === 'null') return { outcome: 'aborted', error: 'WATCH-ABORT: EXEC answered null (a watched key changed)' };
  if (r.t === 'error') {
    // EXECABORT: a command was refused while queuing, nothing ran.
    const applied = /^EXECABORT\b/.test(r.v) ? 'no' : classifyError(r.v);
    return { outcome: applied === 'no' ? 'aborted' : 'unknown', error: r.v };
  }
  return { outcome: 'ok', reply: r };
}

/** A bulk or null reply as a string or null; anything else as a marker the checks reject. */
export function stringOf(r: Resp | undefined): string | null {
  if (!r) return '<missing reply>';
  if (r.t === 'null') return null;
  if (r.t === 'bulk') return r.v.toString('utf8');
  if (r.t === 'simple') return r.v;
  if (r.t === 'int') return r.v.toString();
  return `<unexpected ${r.t} reply${r.t === 'error' ? `: ${r.v}` : ''}>`;
}

export function intOf(r: Resp | undefined): number | undefined {
  return r?.t === 'int' && Number.isSafeInteger(Number(r.v)) ? Number(r.v) : undefined;
}

export abstract class PipelineClient {
  readonly stats: ClientStats = { connects: 0, connectionLost: 0, timeouts: 0, malformed: 0 };
  private conn: RawClient | null = null;

  constructor(
    readonly id: number,
    readonly proxy: number,
    private readonly addr: Address,
    protected readonly rand: () => number,
    private readonly base: ConnContext,
  ) {}

  /** One transaction (or a CAS loop of them). */
  protected abstract step(): Promise<void>;

  async run(): Promise<void> {
    try {
      while (!this.base.stopped()) {
        if (!(await this.connection())) break;
        await this.step();
        if (this.base.thinkMs > 0) await sleep(this.rand() * this.base.thinkMs);
      }
    } finally {
      this.conn?.close();
      this.conn = null;
    }
  }

  /**
   * Writes the commands in one go and waits for as many replies; `onWrite`
   * runs just before the write (to stamp call times). On no connection, a
   * timeout or a lost connection: a failure, and the connection goes.
   * `sameConnection`: the commands depend on the connection's state (EXEC
   * after WATCH): if it was lost since, fail without sending them.
   */
  protected async send(cmds: string[][], onWrite?: () => void, sameConnection = false): Promise<Sent> {
    if (sameConnection && (!this.conn || this.conn.isClosed)) return { failure: 'connection lost after WATCH', written: false };
    const conn = await this.connection();
    if (!conn) return { failure: 'stopped before a connection', written: false };
    const n = conn.replies.length;
    onWrite?.();
    conn.write(Buffer.concat(cmds.map((c) => encodeCommand(c))));
    try {
      await conn.waitForReplies(n + cmds.length, this.base.opTimeoutMs);
    } catch (e) {
      const msg = (e as Error).message;
      if (msg.startsWith('timed out')) this.stats.timeouts++;
      else if (msg.startsWith('malformed')) this.stats.malformed++;
      else this.stats.connectionLost++;
      conn.close();
      this.conn = null;
      return { failure: msg, written: true };
    }
    return { replies: conn.replies.slice(n, n + cmds.length) };
  }

  close(): void {
    this.conn?.close();
    this.conn = null;
  }

  private async connection(): Promise<RawClient | null> {
    if (this.conn && !this.conn.isClosed) return this.conn;
    this.conn?.close();
    this.conn = null;
    for (let attempt = 0; !this.base.stopped(); attempt++) {
      try {
        this.conn = await connectOnce(this.addr, this.base, Math.max(1000, Math.min(5000, this.base.opTimeoutMs)));
        this.stats.connects++;
        return this.conn;
      } catch (e) {
        if (e instanceof FatalClientError) throw e;
        // Jitter from Math.random: the seeded stream must not depend on connect failures.
        await sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2));
      }
    }
    return null;
  }
}
