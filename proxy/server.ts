/**
 * The TCP (or TLS) server: accepts connections up to maxclients, gives each a
 * Session, and shuts down gracefully: stop accepting, let every session finish
 * and answer what it already received, then close the executor.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { Batcher, type BatchLimits } from './batcher';
import { DEFAULT_BLOCK_POLL_MS, ParkedClients } from './blocking';
import type { Executor } from './executors/types';
import { LOCAL_COMMANDS, type LocalCommand, type ServerInfo, type SessionState } from './local';
import { ScriptCache } from './scripts';
import type { Logger } from './log';
import { Metrics } from './metrics';
import { Session, type SessionLimits } from './session';

export const REDIS_VERSION = '7.2.0';

const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/** How long a refused connection may stay half-closed before it is cut. */
const REFUSED_LINGER_MS = 2000;

export interface ServerOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer };
  requirepass: string | null;
  maxclients: number;
  /** Close connections idle this long (0: never), as Redis's `timeout`. */
  idleTimeoutSeconds: number;
  /** How long shutdown waits for sessions to finish before cutting them. */
  drainMs: number;
  maxDocumentBytes: number;
  limits: SessionLimits;
  batch: BatchLimits;
  /** How often every blocked client (BLPOP …) retries, in one batch, when no commit woke it (default DEFAULT_BLOCK_POLL_MS). */
  blockPollMs?: number;
  executor: Executor;
  log: Logger;
  /**
   * Test seam: commands answered locally besides (or instead of) the
   * built-in ones, e.g. one that throws to exercise the error boundary.
   */
  extraLocalCommands?: LocalCommand[];
}

export class ValthreeServer {
  readonly metrics = new Metrics();
  private readonly server: net.Server;
  private readonly sessions = new Set<Session>();
  readonly batcher: Batcher;
  readonly parked: ParkedClients;
  private readonly info: ServerInfo;
  private readonly localCommands: ReadonlyMap<string, LocalCommand>;
  private boundPort = 0;
  private stopping: Promise<void> | null = null;

  constructor(private readonly opts: ServerOptions) {
    this.batcher = new Batcher(opts.executor, opts.batch, this.metrics);
    const parked = (this.parked = new ParkedClients(opts.blockPollMs ?? DEFAULT_BLOCK_POLL_MS, this.metrics));
    this.batcher.onCommitted((changed) => parked.committed(changed));
    const extra = opts.extraLocalCommands ?? [];
    this.localCommands = extra.length === 0 ? LOCAL_COMMANDS : new Map([...LOCAL_COMMANDS, ...extra.map((c): [string, LocalCommand] => [c.spec.name, c])]);
    const sessions = this.sessions;
    const self = this;
    this.info = {
      version: REDIS_VERSION,
      get port() {
        return self.boundPort;
      },
      requirepass: opts.requirepass,
      maxclients: opts.maxclients,
      timeoutSeconds: opts.idleTimeoutSeconds,
      maxDocumentBytes: opts.maxDocumentBytes,
      executor: opts.executor.description,
      metrics: this.metrics,
      scripts: new ScriptCache(),
      clients: (): SessionState[] => [...sessions].map((s) => s.state),
    };
    const onConnection = (socket: net.Socket) => this.accept(socket);
    // A TLS connection becomes a session only after its handshake; until then
    // it is bounded by the handshake timeout (Node's default is 120 s).
    this.server = opts.tls
      ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS }, onConnection)
      : net.createServer(onConnection);
    this.server.on('error', (e) => opts.log.error({ err: e.message }, 'server error'));
    if (opts.tls) this.server.on('tlsClientError', (e) => opts.log.info({ err: e.message }, 'TLS handshake failed'));
  }

  get port(): number {
    return this.boundPort;
  }

  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port, this.opts.host, () => {
        this.server.off('error', reject);
        this.boundPort = (this.server.address() as net.AddressInfo).port;
        this.opts.log.info({ host: this.opts.host, port: this.boundPort, executor: this.opts.executor.description, tls: !!this.opts.tls, auth: this.opts.requirepass !== null }, 'valthree listening');
        resolve(this.boundPort);
      });
    });
  }

  private accept(socket: net.Socket): void {
    const m = this.metrics;
    m.connectionsReceived++;
    if (this.stopping) {
      socket.destroy();
      return;
    }
    if (this.sessions.size >= this.opts.maxclients) {
      m.connectionsRejected++;
      this.opts.log.info({ addr: `${socket.remoteAddress}:${socket.remotePort}`, maxclients: this.opts.maxclients }, 'connection refused: max number of clients reached');
      socket.on('error', () => undefined);
      // Then read and drop its input: a socket nobody reads never sees the
      // client's FIN, so it would never close (one leaked descriptor per refusal).
      socket.end('-ERR max number of clients reached\r\n', () => setTimeout(() => socket.destroy(), REFUSED_LINGER_MS).unref());
      socket.resume();
      return;
    }
    const session = new Session(socket, {
      server: this.info,
      batcher: this.batcher,
      parked: this.parked,
      limits: this.opts.limits,
      log: this.opts.log,
      idleTimeoutMs: this.opts.idleTimeoutSeconds * 1000,
      localCommands: this.localCommands,
    });
    this.sessions.add(session);
    m.connectedClients = this.sessions.size;
    this.opts.log.info({ client: session.state.id, addr: session.state.addr }, 'connection opened');
    void session.closedSignal.then(() => {
      this.sessions.delete(session);
      m.connectedClients = this.sessions.size;
      this.opts.log.info({ client: session.state.id }, 'connection closed');
    });
  }

  /** Stops accepting, drains sessions (bounded by drainMs), closes the executor. */
  shutdown(): Promise<void> {
    this.stopping ??= (async () => {
      this.opts.log.info({ sessions: this.sessions.size, drainMs: this.opts.drainMs }, 'shutting down');
      const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
      const drained = Promise.all([...this.sessions].map((s) => s.drain()));
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.opts.drainMs)));
      if ((await Promise.race([drained, timeout])) === 'timeout') {
        this.opts.log.warn({ sessions: this.sessions.size }, 'drain timed out, closing remaining connections');
        for (const s of this.sessions) s.destroy();
      }
      clearTimeout(timer);
      await closed;
      await this.opts.executor.close();
      this.opts.log.info('shutdown complete');
    })();
    return this.stopping;
  }
}
