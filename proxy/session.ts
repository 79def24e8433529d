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
 * commands run, so neither side grows without bound.
 */
import type { Socket } from 'node:net';
import { lookupCommand, arityError, arityOk, unknownCommandError } from '../lambda/commands';
import { RequestFramer, type ProtocolLimits, type Request } from './resp/framer';
import { encode, error, fromWire, toBuffer, type Reply } from './resp/reply';
import { LOCAL_COMMANDS, type LocalResult, type ServerInfo, type SessionState } from './local';
import { NOAUTH } from './local/auth';
import type { Batcher } from './batcher';
import { encodedSize } from './batcher';
import type { Logger } from './log';

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
type Step = { kind: 'local'; name: string; run: () => LocalResult } | { kind: 'remote'; argv: Buffer[]; name: string; write: boolean };

let nextId = 1;

export class Session {
  readonly state: SessionState;
  private readonly framer: RequestFramer;
  private queue: Request[] = [];
  private head = 0;
  private queuedBytes = 0;
  private pumping = false;
  private protocolError: Error | null = null;
  private closed = false;
  private draining = false;
  private paused = false;
  private readonly closedPromise: Promise<void>;

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
    };
    this.framer = new RequestFramer(ctx.limits.protocol);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => ctx.log.debug({ client: this.state.id, err: e.message }, 'socket error'));
    this.closedPromise = new Promise((resolve) => socket.once('close', () => {
      this.closed = true;
      resolve();
    }));
    if (ctx.idleTimeoutMs > 0) {
      socket.setTimeout(ctx.idleTimeoutMs, () => {
        if (!this.pumping && this.pendingCount() === 0) {
          ctx.log.info({ client: this.state.id }, 'closing idle connection');
          socket.destroy();
        }
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
    if (this.protocolError || this.closed) return;
    const { requests, error: err } = this.framer.push(chunk);
    for (const r of requests) {
      this.queue.push(r);
      this.queuedBytes += r.bytes;
    }
    if (err) {
      this.protocolError = err;
      this.socket.pause();
    } else if (this.queuedBytes > this.ctx.limits.maxPendingBytes && !this.paused) {
      this.paused = true;
      this.socket.pause();
    }
    void this.pump();
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.pendingCount() > 0) {
        const out: (string | Buffer)[] = [];
        // Local commands: answered in place, in order.
        let step = this.peek();
        while (step && step.kind === 'local') {
          this.consume();
          const result = step.run();
          this.account(step.name, 0, result.reply);
          encode(result.reply, this.state.protocol, out);
          if (result.close) {
            this.write(out);
            this.socket.end();
            this.closed = true;
            return;
          }
          step = this.peek();
        }
        if (out.length > 0) this.write(out);
        if (step && step.kind === 'remote') await this.runRemote();
        if (this.socket.writableNeedDrain && !this.closed) await this.waitForDrain();
        if (this.paused && this.queuedBytes <= this.ctx.limits.maxPendingBytes / 2) {
          this.paused = false;
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
      this.socket.end();
      this.closed = true;
    } else if (this.draining) {
      this.socket.end();
      this.closed = true;
    }
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
    let replies = await this.ctx.batcher.submit(
      run.map((r) => r.argv),
      write,
    );
    if (replies.length === 0) {
      // The handler could not fit even one reply: never loop on it.
      replies = [error('ERR reply too large for one Lambda response')];
    }
    const usec = Number(process.hrtime.bigint() - started) / 1000;
    const executed = Math.min(replies.length, run.length);
    if (executed < run.length) {
      // Stopped at the response budget: the rest goes out in the next submission.
      const rest = run.slice(executed).map((r) => ({ argv: r.argv, bytes: 0 }));
      this.queue.splice(this.head, 0, ...rest);
    }
    if (this.closed) return;
    const out: (string | Buffer)[] = [];
    for (let i = 0; i < executed; i++) {
      this.account(run[i].name, usec / executed, replies[i]);
      encode(replies[i], this.state.protocol, out);
    }
    this.write(out);
  }

  /** Decides what the next queued request is, without consuming or running it. */
  private peek(): Step | null {
    if (this.head >= this.queue.length) return null;
    const { argv } = this.queue[this.head];
    const name = argv[0].toString('latin1').toLowerCase();
    const answer = (reply: Reply, label = name): Step => ({ kind: 'local', name: label, run: () => ({ reply }) });
    const local = LOCAL_COMMANDS.get(name);
    if (!this.state.authenticated && !local?.noauth) return answer(NOAUTH);
    if (local) {
      if (!arityOk(local.arity, argv.length)) return answer(fromWire(arityError(local.name)));
      return {
        kind: 'local',
        name,
        run: () => {
          const r = local.run(argv.slice(1), this.state, this.ctx.server);
          return 'reply' in r ? r : { reply: r };
        },
      };
    }
    const cmd = lookupCommand(name);
    if (!cmd) return answer(fromWire(unknownCommandError(argv[0], argv.slice(1))), 'unknown');
    if (!arityOk(cmd.arity, argv.length)) return answer(fromWire(arityError(cmd.name)));
    for (const a of argv) {
      if (a.length > this.ctx.limits.maxValueBytes) {
        return answer(error(`ERR value too large: ${a.length} bytes, the limit is ${this.ctx.limits.maxValueBytes} (one Lambda payload)`));
      }
    }
    return { kind: 'remote', argv, name, write: cmd.write };
  }

  private consume(): void {
    const r = this.queue[this.head++];
    this.queuedBytes -= r.bytes;
    this.state.lastCommandAt = Date.now();
    // Compact now and then, so a long pipeline doesn't keep its head alive.
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  private account(name: string, usec: number, reply: Reply): void {
    this.state.lastCommand = name;
    const prefix = reply.t === 'error' ? reply.v.split(' ', 1)[0] : null;
    this.ctx.server.metrics.recordCommand(name, usec, prefix);
  }

  private write(parts: (string | Buffer)[]): void {
    if (parts.length === 0 || this.socket.destroyed) return;
    this.socket.write(parts.length === 1 && Buffer.isBuffer(parts[0]) ? parts[0] : toBuffer(parts));
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
