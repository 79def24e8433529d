/**
 * One client connection: bytes in, requests framed, commands run in order,
 * replies out in the same order.
 *
 * The session runs its queue one step at a time: a run of local commands is
 * answered at once; a run of engine commands goes to the batcher as one
 * submission and the session waits for it before going on. That is what keeps
 * pipelines ordered (a local command is a barrier between engine runs) and
 * keeps at most one batch per connection in flight, so a connection's later
 * commands can never commit before its earlier ones.
 *
 * Memory is bounded: past `maxPendingBytes` of unexecuted requests the socket
 * is paused, and while the client does not read its replies no further
 * commands run, so neither side grows without bound. Per connection the proxy
 * holds at most: the queued requests (maxPendingBytes, plus the one request
 * completed by the chunk that crossed it), one incomplete request
 * (maxRequestBytes), one submission in flight (one Lambda payload) and the
 * replies of one step (one Lambda response, or 64 KiB of local replies)
 * waiting in the socket.
 */
import type { Socket } from 'node:net';
import { arityError, isWrite, lookupSpec } from '../lambda/specs';
import { unknownCommand, wrongArity } from '../lambda/errors';
import { RequestFramer, type ProtocolLimits, type Request } from './resp/framer';
import { encode, error, toBuffer, type Reply } from './resp/reply';
import { LOCAL_COMMANDS, type LocalCommand, type LocalResult, type ServerInfo, type SessionState } from './local';
import { NOAUTH } from './local/auth';
import type { Batcher } from './batcher';
import { encodedSize } from './batcher';
import type { Logger } from './log';

/** Local replies are flushed (and the client's reading awaited) every this many bytes. */
const LOCAL_FLUSH_BYTES = 64 * 1024;
/**
 * After the last reply (QUIT, protocol error, shutdown) the socket is half-closed
 * and, once the replies are flushed, its input read and dropped for this long:
 * closing with unread input makes
 * the kernel send RST, which can destroy the reply before the client reads it,
 * and a paused socket would never see the client's FIN and never close.
 */
const LINGER_MS = 2000;
/**
 * Memory a queued request costs beyond its bytes, per argument (and one for
 * the request): each argument is a Buffer object (~90 bytes in V8) in an
 * array. Measured with a heap snapshot of 190k queued SETs: ~400 bytes each
 * for 3 arguments. Without it, 16 MiB of tiny requests would hold ~5x that.
 */
const OBJECT_OVERHEAD = 96;



export interface SessionLimits {
  protocol: ProtocolLimits;
  /** Unexecuted request bytes before the socket is paused. */
  maxPendingBytes: number;
  /** Largest argument one command may carry to the handler (Lambda payload). */
  maxValueBytes: number;
  /** Most commands / bytes a session submits at once. */
  maxSubmitCommands: number;
  maxSubmitBytes: number;
}

export interface SessionContext {
  server: ServerInfo;
  batcher: Batcher;
  limits: SessionLimits;
  log: Logger;
  idleTimeoutMs: number;
}

/** The next request, classified; a local command runs only when consumed. */
/**
 * The next request, classified; a local command runs only when consumed.
 * Either `reply` is already known (an error decided at classification) or
 * `cmd` runs then.
 */
type Step =
  | { kind: 'local'; argv: Buffer[]; name: string; cmd: LocalCommand | null; reply: Reply | null }
  | { kind: 'remote'; argv: Buffer[]; name: string; write: boolean };


/** Runs a classified local step: its reply, or a result that also asks to close (QUIT). */
function runLocal(step: Step & { kind: 'local' }, s: SessionState, server: ServerInfo): Reply | LocalResult {
  return step.reply ?? (step.cmd as LocalCommand).run(step.argv.slice(1), s, server);
}

let nextId = 1;

export class Session {
  readonly state: SessionState;
  private readonly framer: RequestFramer;
  private queue: Request[] = [];
  private head = 0;
  /** Wire bytes of the queued requests (CLIENT LIST qbuf). */
  private queuedBytes = 0;
  /** What they cost in memory (wire bytes plus object overhead): what the pipeline limit counts. */
  private queuedCost = 0;
  private pumping = false;
  private protocolError: Error | null = null;
  private closed = false;
  private draining = false;
  private paused = false;
  /** Commands of the submission waiting for the executor. */
  private inFlight = 0;
  private readonly closedPromise: Promise<void>;
  /** Per-command debug logs: decided once, not asked of the logger per command. */
  private readonly debug: boolean;

  constructor(private readonly socket: Socket, private readonly ctx: SessionContext) {
    const now = Date.now();
    this.state = {
      id: nextId++,
      addr: `${socket.remoteAddress}:${socket.remotePort}`,
      createdAt: now,
      protocol: 2,
      authenticated: ctx.server.requirepass === null,
      name: null,
      libName: null,
      libVer: null,
      lastCommandAt: now,
      lastCommand: 'NULL',
      netIn: 0,
      netOut: 0,
      commands: 0,
      io: () => ({
        queryBuffer: this.framer.pendingBytes + this.queuedBytes,
        outputBuffer: socket.writableLength,
        pipeline: this.pendingCount() + this.inFlight,
        paused: this.paused,
      }),
    };
    const protocol = ctx.limits.protocol;
    this.debug = ctx.log.isLevelEnabled('debug');
    this.framer = new RequestFramer({
      ...protocol,
      // One request may not exceed what the pipeline may hold (but always fits the largest bulk).
      maxRequestBytes: protocol.maxRequestBytes ?? Math.max(ctx.limits.maxPendingBytes, protocol.maxBulkBytes + 64 * 1024),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => ctx.log.debug({ client: this.state.id, err: e.message }, 'socket error'));
    this.closedPromise = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.setPaused(false);
        resolve();
      }),
    );
    if (ctx.idleTimeoutMs > 0) {
      socket.setTimeout(ctx.idleTimeoutMs);
      socket.on('timeout', () => {
        // As in Redis, a client waiting for the server (here: the handler) is
        // not idle; one that neither sends nor reads its replies is.
        if (this.inFlight > 0) {
          socket.setTimeout(ctx.idleTimeoutMs);
          return;
        }
        ctx.log.info({ client: this.state.id }, 'closing idle connection');
        socket.destroy();
      });
    }
  }

  get closedSignal(): Promise<void> {
    return this.closedPromise;
  }

  /** Graceful shutdown: stop reading, finish and answer what was received, close. */
  drain(): Promise<void> {
    this.draining = true;
    this.socket.pause();
    if (!this.pumping) this.finishIfDone();
    return this.closedPromise;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private pendingCount(): number {
    return this.queue.length - this.head;
  }

  private onData(chunk: Buffer): void {
    this.state.netIn += chunk.length;
    if (this.protocolError || this.closed) return;
    const { requests, error: err } = this.framer.push(chunk);
    for (const r of requests) {
      r.cost = r.bytes + OBJECT_OVERHEAD * (r.argv.length + 1);
      this.queue.push(r);
      this.queuedBytes += r.bytes;
      this.queuedCost += r.cost;
    }
    if (err) {
      this.protocolError = err;
      this.socket.pause();
    } else if (this.queuedCost > this.ctx.limits.maxPendingBytes && !this.paused) {
      // Backpressure: the client's bytes wait in its socket and the kernel
      // buffers (TCP flow control), not in this process.
      this.setPaused(true);
      this.socket.pause();
    }
    void this.pump();
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    const m = this.ctx.server.metrics;
    if (paused) {
      m.readPauses++;
      m.pausedClients++;
      this.ctx.log.debug({ client: this.state.id, queued: this.queuedBytes }, 'pipeline limit reached, not reading');
    } else {
      m.pausedClients--;
    }
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.pendingCount() > 0) {
        let out: (string | Buffer)[] = [];
        let outBytes = 0;
        // Local commands: answered in place, in order.
        this.state.lastCommandAt = Date.now();
        let step = this.peek();
        while (step && step.kind === 'local') {
          this.consume();
          const result = runLocal(step, this.state, this.ctx.server);
          const reply = 'reply' in result ? result.reply : result;
          this.account(step.name, 0, reply, step.argv);
          const before = out.length;
          encode(reply, this.state.protocol, out);
          // Reply strings are latin1, one byte per char (see toBuffer).
          for (let k = before; k < out.length; k++) outBytes += out[k].length;
          if ('reply' in result && result.close) {
            this.write(out);
            this.closeAfterReply();
            return;
          }
          // A small request can have a big reply (COMMAND, INFO, CLIENT LIST):
          // a pipeline of them must not pile replies up for a client that
          // does not read.
          if (outBytes >= LOCAL_FLUSH_BYTES) {
            this.write(out);
            out = [];
            outBytes = 0;
            if (this.socket.writableNeedDrain) await this.waitForDrain();
            if (this.closed) return;
          }
          step = this.peek();
        }
        if (out.length > 0) this.write(out);
        if (step && step.kind === 'remote') await this.runRemote();
        if (this.socket.writableNeedDrain && !this.closed) await this.waitForDrain();
        if (this.paused && this.queuedCost <= this.ctx.limits.maxPendingBytes / 2) {
          this.setPaused(false);
          if (!this.draining && !this.protocolError) this.socket.resume();
        }
      }
    } finally {
      this.pumping = false;
    }
    this.finishIfDone();
  }

  private finishIfDone(): void {
    if (this.closed || this.pendingCount() > 0) return;
    if (this.protocolError) {
      this.ctx.server.metrics.protocolErrors++;
      this.ctx.log.info({ client: this.state.id, err: this.protocolError.message }, 'protocol error, closing connection');
      this.write([`-ERR ${this.protocolError.message.replace(/[\r\n]+/g, ' ')}\r\n`]);
      this.closeAfterReply();
    } else if (this.draining) {
      this.closeAfterReply();
    }
  }

  /** Nothing more is read or run: send what is written, half-close, linger, close. */
  private closeAfterReply(): void {
    this.closed = true;
    // The linger starts once every reply is flushed, so a slow reader still gets them all.
    this.socket.end(() => setTimeout(() => this.socket.destroy(), LINGER_MS).unref());
    this.socket.resume();
  }

  /** Sends one run of consecutive engine commands as one submission. */
  private async runRemote(): Promise<void> {
    const run: { argv: Buffer[]; name: string }[] = [];
    let write = false;
    let bytes = 0;
    let step = this.peek();
    while (step && step.kind === 'remote' && run.length < this.ctx.limits.maxSubmitCommands) {
      const size = encodedSize(step.argv);
      if (run.length > 0 && bytes + size > this.ctx.limits.maxSubmitBytes) break;
      bytes += size;
      write ||= step.write;
      run.push({ argv: step.argv, name: step.name });
      this.consume();
      step = this.peek();
    }
    const started = process.hrtime.bigint();
    this.inFlight = run.length;
    let replies: Reply[];
    try {
      replies = await this.ctx.batcher.submit(
        run.map((r) => r.argv),
        write,
      );
    } finally {
      this.inFlight = 0;
    }
    if (replies.length === 0) {
      // The handler could not fit even one reply: never loop on it.
      replies = [error('ERR reply too large for one Lambda response')];
    }
    const usec = Number(process.hrtime.bigint() - started) / 1000;
    const executed = Math.min(replies.length, run.length);
    if (executed < run.length) {
      // Stopped at the response budget: the rest goes out in the next submission.
      const rest = run.slice(executed).map((r) => ({ argv: r.argv, bytes: 0, cost: 0 }));
      this.queue.splice(this.head, 0, ...rest);
    }
    if (this.closed) return;
    const out: (string | Buffer)[] = [];
    for (let i = 0; i < executed; i++) {
      this.account(run[i].name, usec / executed, replies[i], run[i].argv);
      encode(replies[i], this.state.protocol, out);
    }
    this.write(out);
  }

  /** Decides what the next queued request is, without consuming or running it. */
  private peek(): Step | null {
    if (this.head >= this.queue.length) return null;
    const { argv } = this.queue[this.head];
    const spec = lookupSpec(argv[0]);
    // The label is what metrics and logs see: never an unknown word, which
    // may be anything (a password typed in the wrong place) and is unbounded.
    const name = spec ? spec.name : 'unknown';
    const answer = (reply: Reply, label = name): Step => ({ kind: 'local', argv, name: label, cmd: null, reply });
    if (!this.state.authenticated && !spec?.flags.includes('no_auth')) return answer(NOAUTH);
    if (!spec) return answer(error(unknownCommand(argv[0], argv.slice(1))));
    const badArity = arityError(spec, argv);
    if (badArity) return answer(error(wrongArity(badArity)));
    const local = LOCAL_COMMANDS.get(name);
    if (local) return { kind: 'local', argv, name, cmd: local, reply: null };
    for (const a of argv) {
      if (a.length > this.ctx.limits.maxValueBytes) {
        return answer(error(`ERR value too large: ${a.length} bytes, the limit is ${this.ctx.limits.maxValueBytes} (one Lambda payload)`));
      }
    }
    // Many arguments can add up past one Lambda payload even if each fits.
    const size = encodedSize(argv);
    if (size > this.ctx.limits.maxSubmitBytes) {
      return answer(error(`ERR command too large: ${size} bytes encoded, the limit is ${this.ctx.limits.maxSubmitBytes} (one Lambda payload)`));
    }
    return { kind: 'remote', argv, name, write: isWrite(spec) };
  }

  private consume(): void {
    const r = this.queue[this.head++];
    this.queuedBytes -= r.bytes;
    this.queuedCost -= r.cost;
    // Compact now and then, so a long pipeline doesn't keep its head alive.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Counts a command, and logs it at debug: its name (known commands only),
   * argument count and size, never the arguments themselves.
   */
  private account(name: string, usec: number, reply: Reply, argv?: Buffer[]): void {
    this.state.lastCommand = name;
    this.state.commands++;
    const prefix = reply.t === 'error' ? reply.v.split(' ', 1)[0] : null;
    this.ctx.server.metrics.recordCommand(name, usec, prefix);
    const log = this.ctx.log;
    if (prefix === 'WRONGPASS') log.info({ client: this.state.id, addr: this.state.addr }, 'authentication failed');
    if (this.debug) {
      log.debug({ client: this.state.id, cmd: name, argc: argv?.length, bytes: argv ? argv.reduce((n, a) => n + a.length, 0) : undefined, usec: Math.round(usec), error: prefix ?? undefined }, 'command');
    }
  }

  private write(parts: (string | Buffer)[]): void {
    if (parts.length === 0 || this.socket.destroyed || this.socket.writableEnded) return;
    const bytes = parts.length === 1 && Buffer.isBuffer(parts[0]) ? parts[0] : toBuffer(parts);
    this.state.netOut += bytes.length;
    this.socket.write(bytes);
  }

  private waitForDrain(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.once('drain', done);
      this.socket.once('close', done);
    });
  }
}
