/**
 * One client connection: bytes in, requests framed, commands run in order,
 * replies out in the same order.
 *
 * The session runs its queue one step at a time: a run of local commands is
 * answered at once; a run of engine commands goes to the batcher as one
 * submission and the session waits for it before going on. That is what keeps
 * pipelines ordered (a local command is a barrier between engine runs) and
 * keeps at most one batch per connection in flight, so a connection's later
 * commands can never commit before its earlier ones (a blocked command, too:
 * session/blocked.ts). What each request is is decided in session/classify.ts.
 *
 * Memory is bounded: past `maxPendingBytes` of unexecuted requests the socket
 * is paused, and while the client does not read its replies no further
 * commands run. Per connection the proxy holds at most: the queued requests
 * (maxPendingBytes plus the request completed by the chunk that crossed it),
 * one incomplete request (maxRequestBytes), one submission in flight (one
 * Lambda payload) and one step's replies (one Lambda response, or 64 KiB).
 *
 * Errors are contained per connection: an unexpected exception while serving
 * it (a local command, the reply encoder, the framer) is logged once with its
 * stack and counted, the command being run is answered `-ERR internal error`,
 * and this connection is closed as after QUIT. The process and every other
 * connection go on.
 */
import type { Socket } from 'node:net';
import { LOCAL_COMMANDS, type LocalCommand, type SessionState } from './local';
import { RequestFramer } from './resp/framer';
import type { Reply } from './resp/reply';
import { account, reportInternalError, type Accounting } from './session/accounting';
import { classify, runLocal, type RemoteStep, type Step } from './session/classify';
import { ReplyOutput } from './session/output';
import { RequestQueue } from './session/queue';
import { untilUnblocked } from './session/blocked';
import { settle, submitRun, takeRun } from './session/remote';
import { closeWhenIdle, endAfterReplies, waitForDrain } from './session/socket';
import { newSessionState } from './session/state';
import type { SessionContext } from './session/types';

/** Local replies are flushed (and the client's reading awaited) every this many bytes. */
const LOCAL_FLUSH_BYTES = 64 * 1024;
const INTERNAL_ERROR = '-ERR internal error\r\n';
/** A local run ended the connection (QUIT, or the client went away while we waited). */
const CLOSED = Symbol('closed');
export type { SessionContext, SessionLimits } from './session/types';

export class Session {
  readonly state: SessionState;
  private readonly framer: RequestFramer;
  private readonly queue = new RequestQueue();
  private readonly localCommands: ReadonlyMap<string, LocalCommand>;
  private pumping = false;
  private protocolError: Error | null = null;
  /** The framer failed unexpectedly: nothing more is read; what is queued runs, then `-ERR internal error`. */
  private inputFailed = false;
  /** An internal error was logged and counted (once per connection, however many follow). */
  private failed = false;
  private closed = false;
  private draining = false;
  private paused = false;
  /** Commands of the submission waiting for the executor. */
  private inFlight = 0;
  private readonly out: ReplyOutput;
  /** A command was consumed and its reply is not encoded yet: an internal error must still answer it. */
  private owed = false;
  /** Resolves when the socket has closed. */
  readonly closedSignal: Promise<void>;
  private readonly accounting: Accounting;
  /** Stops a blocked command's waiting: the connection closed, or the proxy drains. */
  private readonly gone = new AbortController();

  constructor(private readonly socket: Socket, private readonly ctx: SessionContext) {
    this.state = newSessionState(socket, ctx.server.requirepass === null, () => ({
      queryBuffer: this.framer.pendingBytes + this.queue.bytes,
      outputBuffer: socket.writableLength,
      pipeline: this.queue.length + this.inFlight,
      paused: this.paused,
    }));
    this.localCommands = ctx.localCommands ?? LOCAL_COMMANDS;
    const protocol = ctx.limits.protocol;
    this.accounting = { state: this.state, metrics: ctx.server.metrics, log: ctx.log, debug: ctx.log.isLevelEnabled('debug') };
    this.out = new ReplyOutput(socket, this.state);
    this.framer = new RequestFramer({
      ...protocol,
      // One request may not exceed what the pipeline may hold (but always fits the largest bulk).
      maxRequestBytes: protocol.maxRequestBytes ?? Math.max(ctx.limits.maxPendingBytes, protocol.maxBulkBytes + 64 * 1024),
    });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => ctx.log.debug({ client: this.state.id, err: e.message }, 'socket error'));
    this.closedSignal = new Promise((resolve) =>
      socket.once('close', () => {
        this.closed = true;
        this.setPaused(false);
        this.gone.abort();
        resolve();
      }),
    );
    if (ctx.idleTimeoutMs > 0) {
      closeWhenIdle(socket, ctx.idleTimeoutMs, () => this.inFlight > 0, () => ctx.log.info({ client: this.state.id }, 'closing idle connection'));
    }
  }

  /** Graceful shutdown: stop reading, finish and answer what was received, close. */
  drain(): Promise<void> {
    this.draining = true;
    this.gone.abort();
    this.socket.pause();
    if (!this.pumping) {
      try {
        this.finishIfDone();
      } catch (e) {
        this.internalError(e);
      }
    }
    return this.closedSignal;
  }

  destroy(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.state.netIn += chunk.length;
    if (this.protocolError || this.inputFailed || this.closed) return;
    try {
      this.frame(chunk);
    } catch (e) {
      // The framer's state is unknown now: nothing more is read. What was queued
      // still runs, in order; then `-ERR internal error` (finishIfDone), close.
      this.inputFailed = true;
      this.socket.pause();
      this.report(e);
    }
    void this.pump();
  }

  private frame(chunk: Buffer): void {
    const { requests, error: err } = this.framer.push(chunk);
    for (const r of requests) this.queue.push(r);
    if (err) {
      this.protocolError = err;
      this.socket.pause();
    } else if (this.queue.cost > this.ctx.limits.maxPendingBytes && !this.paused) {
      // Backpressure: the client's bytes wait in its socket and the kernel
      // buffers (TCP flow control), not in this process.
      this.setPaused(true);
      this.socket.pause();
    }
  }

  private setPaused(paused: boolean): void {
    if (paused === this.paused) return;
    this.paused = paused;
    const m = this.ctx.server.metrics;
    if (!paused) return void m.pausedClients--;
    m.readPauses++;
    m.pausedClients++;
    this.ctx.log.debug({ client: this.state.id, queued: this.queue.bytes }, 'pipeline limit reached, not reading');
  }

  /** Runs the queue; never rejects (the error boundary of this connection). */
  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        this.state.lastCommandAt = Date.now();
        const next = await this.answerLocal();
        if (next === CLOSED) return;
        if (next && next.kind === 'remote') await this.runRemote(next);
        if (this.socket.writableNeedDrain && !this.closed) await waitForDrain(this.socket);
        if (this.paused && this.queue.cost <= this.ctx.limits.maxPendingBytes / 2) {
          this.setPaused(false);
          if (!this.draining && !this.protocolError && !this.inputFailed) this.socket.resume();
        }
      }
      this.finishIfDone();
    } catch (e) {
      this.internalError(e);
    } finally {
      this.pumping = false;
    }
  }

  /** Answers the local commands at the head of the queue, in order; returns the step after them. */
  private async answerLocal(): Promise<Step | null | typeof CLOSED> {
    let bytes = 0;
    let step = this.peek();
    while (step && step.kind === 'local') {
      this.queue.shift();
      this.owed = true;
      const result = runLocal(step, this.state, this.ctx.server);
      const reply = 'reply' in result ? result.reply : result;
      account(this.accounting, step.name, 0, reply, step.argv);
      bytes += this.out.add(reply);
      this.owed = false;
      if ('reply' in result && result.close) {
        this.out.flush();
        this.closeAfterReply();
        return CLOSED;
      }
      // A small request can have a big reply (COMMAND, INFO, CLIENT LIST):
      // a pipeline of them must not pile replies up for a client that
      // does not read.
      if (bytes >= LOCAL_FLUSH_BYTES) {
        this.out.flush();
        bytes = 0;
        if (this.socket.writableNeedDrain) await waitForDrain(this.socket);
        if (this.closed) return CLOSED;
      }
      step = this.peek();
    }
    this.out.flush();
    return step;
  }

  /** Sends one run of consecutive engine commands, starting with `first`, and answers them (a blocked one once it unblocks). */
  private async runRemote(first: RemoteStep): Promise<void> {
    const run = takeRun(first, this.queue, () => this.peek(), this.ctx.limits, this.state.db);
    this.inFlight = run.steps.length;
    this.owed = true;
    const since = this.ctx.parked.generation;
    try {
      const { replies, usec } = await submitRun(this.ctx.batcher, run, this.queue, this.ctx.limits.unsafeSplitTransactions);
      for (let i = 0; i < replies.length && !this.closed; i++) {
        let r: Reply | null = replies[i];
        // A blocking step ends its run: what came before it goes out now; gone or draining, its connection closes unanswered.
        if (r.t === 'blocked') this.out.flush();
        if (r.t === 'blocked') r = await untilUnblocked(r, run.db, since, { ...this.ctx, metrics: this.ctx.server.metrics, signal: this.gone.signal });
        if (r === null) return this.closed ? undefined : this.closeAfterReply();
        const reply = settle(run.steps[i], r, this.state, this.ctx.server, run.db);
        account(this.accounting, run.steps[i].name, usec / replies.length, reply, run.steps[i].argv);
        this.out.add(reply);
      }
    } finally {
      this.inFlight = 0;
    }
    this.owed = false;
    this.out.flush();
  }

  /** What the next queued request is, without consuming or running it. */
  private peek(): Step | null {
    const r = this.queue.peek();
    return r ? classify(r.argv, this.state, this.localCommands, this.ctx.limits, this.ctx.server.scripts) : null;
  }

  private finishIfDone(): void {
    if (this.closed || this.queue.length > 0) return;
    if (this.protocolError) {
      this.ctx.server.metrics.protocolErrors++;
      this.ctx.log.info({ client: this.state.id, err: this.protocolError.message }, 'protocol error, closing connection');
      this.out.addRaw(`-ERR ${this.protocolError.message.replace(/[\r\n]+/g, ' ')}\r\n`);
      this.out.flush();
      this.closeAfterReply();
    } else if (this.inputFailed) {
      this.out.addRaw(INTERNAL_ERROR);
      this.out.flush();
      this.closeAfterReply();
    } else if (this.draining) {
      this.closeAfterReply();
    }
  }

  /**
   * The error boundary. The whole replies encoded so far go out, the command
   * being run (if any) gets `-ERR internal error` in its place, and the
   * connection closes as after QUIT: its later commands never run, so no
   * reply can ever be matched to the wrong command.
   */
  private internalError(e: unknown): void {
    this.report(e);
    try {
      if (this.closed) return;
      // A reply cut short by the exception is dropped whole: a partial one would desynchronise the client.
      this.out.dropIncomplete();
      if (this.owed) this.out.addRaw(INTERNAL_ERROR);
      this.owed = false;
      this.out.flush();
      this.closeAfterReply();
    } catch {
      // Even the goodbye failed: cut the connection rather than leave it half-served.
      this.closed = true;
      this.socket.destroy();
    }
  }

  /** Logs (with the stack) and counts an internal error, once per connection. */
  private report(e: unknown): void {
    if (!this.failed) reportInternalError(this.accounting, e);
    this.failed = true;
  }

  /** Nothing more is read or run: send what is written, half-close, linger, close. */
  private closeAfterReply(): void {
    this.closed = true;
    endAfterReplies(this.socket);
  }
}
