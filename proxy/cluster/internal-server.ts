/**
 * The writer's side of the internal link: accepts authenticated followers
 * and folds each batch they forward into this proxy's group commit
 * (Batcher.submitForwarded), answering with the batch's replies. Any proxy
 * accepts forwards, not only the lease holder: a follower with a stale view
 * of the lease costs, at worst, conflicts between two writers.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { LeaseState } from '../../lambda/contract';
import type { Batcher } from '../batcher';
import type { Logger } from '../log';
import { checkForward, readLines, secretMatches, send } from './link';

export interface InternalServerOptions {
  host: string;
  port: number;
  tls?: { cert: Buffer; key: Buffer };
  /** The shared secret; null: none (a port reachable only from the proxies themselves). */
  secret: string | null;
  batcher: Batcher;
  log: Logger;
  /** This proxy's view of the lease, sent with every answer. */
  lease?: () => LeaseState;
}

/** A follower that has not authenticated by then is cut. */
const AUTH_TIMEOUT_MS = 5000;

export class InternalServer {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private boundPort = 0;
  /** Forwards received, and dropped past their deadline (INFO, tests). */
  readonly counts = { forwards: 0, dropped: 0 };

  constructor(private readonly opts: InternalServerOptions) {
    const onConnection = (socket: net.Socket) => this.accept(socket);
    this.server = opts.tls ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: AUTH_TIMEOUT_MS }, onConnection) : net.createServer(onConnection);
    this.server.on('error', (e) => opts.log.error({ err: e.message }, 'internal server error'));
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
        this.opts.log.info({ host: this.opts.host, port: this.boundPort }, 'internal port listening');
        resolve(this.boundPort);
      });
    });
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    let authed = this.opts.secret === null;
    const timer = setTimeout(() => authed || socket.destroy(), AUTH_TIMEOUT_MS);
    timer.unref();
    readLines(socket, (m) => {
      if (!authed) {
        if (m.t !== 'auth' || !secretMatches(m.secret, this.opts.secret as string)) {
          this.opts.log.warn({ addr: socket.remoteAddress }, 'internal link: authentication failed');
          socket.destroy();
          return;
        }
        authed = true;
        send(socket, { t: 'ready' });
        return;
      }
      if (m.t === 'auth') return void send(socket, { t: 'ready' });
      const fwd = m.t === 'fwd' ? checkForward(m) : null;
      if (!fwd) {
        socket.destroy();
        return;
      }
      this.counts.forwards++;
      void this.opts.batcher.submitForwarded(fwd.req, fwd.deadline).then((r) => {
        if ('dropped' in r) this.counts.dropped++;
        send(socket, 'dropped' in r ? { t: 'dropped', n: fwd.n, reason: r.dropped } : { t: 'res', n: fwd.n, res: r.res, lease: this.opts.lease?.() });
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.end();
    });
  }
}
