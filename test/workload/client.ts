/**
 * One workload client: one plain RESP connection, one command at a time, a
 * seeded random sequence of GET/SET/DEL/INCR/INCRBY/FLUSHALL (and, on keys
 * with TTLs, SET … PX, PEXPIRE and PTTL), every operation recorded. With INCR
 * on, every other hot key is a counter: GET, INCR, INCRBY, SET of an integer
 * and DEL, so counters are created, incremented and reset. With TTLs on, hot
 * keys 2 and 3 of every 4 get short TTLs (a register and, with INCR, a
 * counter); the others never have one, so the plain checks keep their power.
 *
 * Unlike ioredis, it never re-sends a command after a reconnect: a command
 * whose reply did not come (connection lost, client-side timeout) stays
 * pending in the history — it may take effect at any later time — and the
 * client reconnects and carries on with the next one.
 */
import type { ConnectionOptions } from 'node:tls';
import type { HistoryRecorder, OpInput, OpOutput } from '../checker/history';
import { RawClient, encodeCommand, type Resp } from '../support/resp-client';
import type { Address } from './cluster';
import { IN_SET, familyCommand, familyReply, isCounter, placeOf, type Place } from './families';

export interface ClientContext {
  recorder: HistoryRecorder;
  /** The keys to draw from now (they rotate). */
  hotKeys(): string[];
  /** True once the run is over: no new operation starts. */
  stopped(): boolean;
  opTimeoutMs: number;
  flushallRate: number;
  /** Send INCR and INCRBY (on the counter keys, see nextInput). */
  incr: boolean;
  /** Give keys 2 and 3 of every 4 TTLs of ttlMs[0]..ttlMs[1] ms (SET … PX, PEXPIRE; PTTL reads them). */
  ttl?: boolean;
  ttlMs?: readonly [number, number];
  thinkMs: number;
  password?: string;
  tls?: ConnectionOptions;
  /** Called with each operation's id and the proxy it went to. */
  onOp?(opId: number, proxy: number): void;
}

export interface ClientStats {
  connects: number;
  /** Operations left pending because the connection dropped. */
  connectionLost: number;
  /** Operations left pending because the client-side timeout fired. */
  timeouts: number;
  /** Replies that were not valid RESP (a proxy bug): the connection is dropped. */
  malformed: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The command for an input, as the client sends it. */
export function commandOf(input: OpInput): string[] {
  const inAggregate = familyCommand(input);
  if (inAggregate) return inAggregate;
  switch (input.op) {
    case 'get':
      return ['GET', input.key];
    case 'set':
      return input.px === undefined ? ['SET', input.key, input.value] : ['SET', input.key, input.value, 'PX', String(input.px)];
    case 'del':
      return ['DEL', input.key];
    case 'incr':
      return input.by === undefined ? ['INCR', input.key] : ['INCRBY', input.key, String(input.by)];
    case 'pexpire':
      return ['PEXPIRE', input.key, String(input.ms)];
    case 'pttl':
      return ['PTTL', input.key];
    case 'flushall':
      return ['FLUSHALL'];
  }
}

/**
 * A reply as the checker sees it. A reply of the wrong type is recorded as it
 * is (a SET answered with an integer, say), so the checker finds it illegal
 * rather than this file hiding it.
 */
export function outputOf(r: Resp): OpOutput | { error: string } {
  switch (r.t) {
    case 'error':
      return { error: r.v };
    case 'null':
      return { kind: 'value', value: null };
    case 'bulk':
      return { kind: 'value', value: r.v.toString('utf8') };
    case 'int':
      // Past 2^53 a number would lose digits: keep the decimal string.
      return { kind: 'int', n: Number.isSafeInteger(Number(r.v)) ? Number(r.v) : r.v.toString() };
    case 'simple':
      return r.v === 'OK' ? { kind: 'ok' } : { kind: 'value', value: r.v };
    default:
      return { kind: 'value', value: `<unexpected ${r.t} reply>` };
  }
}

/**
 * A new connection, retried while the proxy is down (restarting, or the
 * network is); null once the run has stopped. Counts each connect in `stats`.
 */
export async function reconnect(addr: Address, ctx: Pick<ClientContext, 'tls' | 'password' | 'opTimeoutMs' | 'stopped'>, stats: { connects: number }): Promise<RawClient | null> {
  for (let attempt = 0; !ctx.stopped(); attempt++) {
    try {
      const conn = await connectOnce(addr, ctx, Math.max(1000, Math.min(5000, ctx.opTimeoutMs)));
      stats.connects++;
      return conn;
    } catch (e) {
      if (e instanceof FatalClientError) throw e;
      // Back off, then retry. Jitter from Math.random: the seeded stream must
      // not depend on how often a connect failed, or a seed would not give the
      // same operations.
      await sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
  return null;
}

export async function connectOnce(addr: Address, ctx: Pick<ClientContext, 'tls' | 'password' | 'opTimeoutMs'>, timeoutMs: number): Promise<RawClient> {
  const attempt = RawClient.connect(addr.port, { host: addr.host, tls: ctx.tls });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`connect to ${addr.host}:${addr.port} timed out`)), timeoutMs);
  });
  try {
    const c = await Promise.race([attempt, timeout]);
    const s = c.socket;
    if (s.localPort === s.remotePort && s.localAddress === s.remoteAddress) {
      // A TCP self-connect to a port nobody listens on: not the proxy.
      c.close();
      throw new Error(`self-connect on ${addr.host}:${addr.port}`);
    }
    if (ctx.password !== undefined) {
      const n = c.replies.length;
      c.write(encodeCommand(['AUTH', ctx.password]));
      await c.waitForReplies(n + 1, ctx.opTimeoutMs).catch((e: Error) => {
        c.close();
        throw e;
      });
      const r = c.replies[n];
      if (r.t === 'error') {
        c.close();
        throw new FatalClientError(`AUTH refused by ${addr.host}:${addr.port}: ${r.v}`);
      }
    }
    return c;
  } catch (e) {
    // A connect that completes after its timeout must not leak a socket.
    void attempt.then((c) => c.close(), () => undefined);
    throw e;
  } finally {
    clearTimeout(timer);
  }
}

/** Wrong password and the like: retrying cannot help. */
export class FatalClientError extends Error {}

export class WorkloadClient {
  readonly stats: ClientStats = { connects: 0, connectionLost: 0, timeouts: 0, malformed: 0 };
  private conn: RawClient | null = null;
  private seq = 0;

  constructor(
    readonly id: number,
    private readonly proxy: number,
    private readonly addr: Address,
    private readonly rand: () => number,
    private readonly ctx: ClientContext,
  ) {}

  /** Runs until the context says stop; the last operation may end after that. */
  async run(): Promise<void> {
    try {
      while (!this.ctx.stopped()) {
        const conn = await this.connection();
        if (!conn) break;
        await this.one(conn);
        if (this.ctx.thinkMs > 0) await sleep(this.rand() * this.ctx.thinkMs);
      }
    } finally {
      this.conn?.close();
      this.conn = null;
    }
  }

  private nextInput(): OpInput {
    const x = this.rand();
    const keys = this.ctx.hotKeys();
    const i = Math.floor(this.rand() * keys.length);
    const key = keys[i];
    if (x < this.ctx.flushallRate) return { op: 'flushall' };
    const place = placeOf(key);
    if (place) return this.aggregateInput(key, place, x);
    const counter = this.ctx.incr && (i % 2 === 1 || keys.length === 1);
    const integer = (): string => this.integer();
    if (this.ctx.ttl && i % 4 >= 2) {
      // Few writes, so that TTLs of a few hundred ms run out between them,
      // and many reads, which see them run out (and must not see a value
      // come back after that).
      const [lo, hi] = this.ctx.ttlMs ?? [100, 400];
      const ttl = (): number => lo + Math.floor(this.rand() * (hi - lo + 1));
      if (counter) {
        if (x < 0.5) return { op: 'get', key };
        if (x < 0.62) return { op: 'incr', key };
        if (x < 0.7) return { op: 'incr', key, by: 2 + Math.floor(this.rand() * 8) };
        if (x < 0.82) return { op: 'pttl', key };
        if (x < 0.89) return { op: 'set', key, value: integer(), px: ttl() };
        if (x < 0.96) return { op: 'pexpire', key, ms: ttl() };
        return { op: 'del', key };
      }
      if (x < 0.7) return { op: 'get', key };
      if (x < 0.89) return { op: 'pttl', key };
      if (x < 0.94) return { op: 'set', key, value: `c${this.id}-${this.seq++}`, px: ttl() };
      if (x < 0.97) return { op: 'pexpire', key, ms: ttl() };
      if (x < 0.98) return { op: 'set', key, value: `c${this.id}-${this.seq++}` };
      return { op: 'del', key };
    }
    if (counter) {
      if (x < 0.4) return { op: 'get', key };
      if (x < 0.6) return { op: 'incr', key };
      if (x < 0.75) return { op: 'incr', key, by: 2 + Math.floor(this.rand() * 8) };
      if (x < 0.9) return { op: 'set', key, value: integer() };
      return { op: 'del', key };
    }
    if (x < 0.5) return { op: 'get', key };
    // Unique per SET, so that a read names the one write it saw.
    if (x < 0.85) return { op: 'set', key, value: `c${this.id}-${this.seq++}` };
    return { op: 'del', key };
  }

  /**
   * Each counter SET writes an integer no other SET writes (a multiple of
   * 1000 per client and sequence number), so a read still names the write it
   * counts from; INCRs count up from there, or from 1 after a DEL (or an
   * expiry).
   */
  private integer(): string {
    return String((this.seq++ * 1000 + this.id) * 1000);
  }

  /** A field or member of an aggregate (families.ts): as a plain register or counter, never a TTL. */
  private aggregateInput(key: string, place: Place, x: number): OpInput {
    if (place.family === 'set') return x < 0.5 ? { op: 'get', key } : x < 0.8 ? { op: 'set', key, value: IN_SET } : { op: 'del', key };
    if (isCounter(place)) {
      if (x < 0.4) return { op: 'get', key };
      if (x < 0.6) return { op: 'incr', key };
      if (x < 0.75) return { op: 'incr', key, by: 2 + Math.floor(this.rand() * 8) };
      if (x < 0.9) return { op: 'set', key, value: this.integer() };
      return { op: 'del', key };
    }
    if (x < 0.5) return { op: 'get', key };
    if (x < 0.85) return { op: 'set', key, value: `c${this.id}-${this.seq++}` };
    return { op: 'del', key };
  }

  private async one(conn: RawClient): Promise<void> {
    const input = this.nextInput();
    const n = conn.replies.length;
    const h = this.ctx.recorder.begin(this.id, input);
    this.ctx.onOp?.(h.id, this.proxy);
    conn.write(encodeCommand(commandOf(input)));
    try {
      await conn.waitForReplies(n + 1, this.ctx.opTimeoutMs);
    } catch (e) {
      // No reply: the operation stays pending (it may still take effect). A
      // late reply on this connection would be taken for the next command's,
      // so the connection goes too.
      const msg = (e as Error).message;
      if (msg.startsWith('timed out')) this.stats.timeouts++;
      else if (msg.startsWith('malformed')) this.stats.malformed++;
      else this.stats.connectionLost++;
      conn.close();
      this.conn = null;
      return;
    }
    const out = outputOf(familyReply(input, conn.replies[n]));
    if ('error' in out) this.ctx.recorder.fail(h, out.error);
    else this.ctx.recorder.end(h, out);
  }

  /** The open connection, or a new one (retrying while the proxy is down); null once stopped. */
  private async connection(): Promise<RawClient | null> {
    if (this.conn && !this.conn.isClosed) return this.conn;
    this.conn?.close();
    this.conn = await reconnect(this.addr, this.ctx, this.stats);
    return this.conn;
  }
}
