/**
 * The writer's side of the internal link: accepts authenticated followers
 * and folds each batch they forward into this proxy's group commit
 * (Batcher.submitForwarded), answering with the batch's replies. Any proxy
 * accepts forwards, not only the lease holder: a follower with a stale view
 * of the lease costs, at worst, conflicts between two writers.
 *
 * It also tells every authenticated follower the change marks of each commit
 * its batcher lands (`changed`), so that their blocked clients wake on writes
 * through this proxy or through another follower. Only this proxy's own
 * commits are told: marks a follower hears are never passed on, so two
 * proxies linked both ways (views of the lease differ for a moment) cannot
 * echo them back and forth.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { compactMarks } from '../../lambda/changes';
import type { ChangeMarks, LeaseState } from '../../lambda/contract';
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
  /** Authenticated followers: only they hear what commits changed. */
  private readonly followers = new Set<net.Socket>();
  private readonly unsubscribe: () => void;
  private boundPort = 0;
  /** Forwards received, and dropped past their deadline (INFO, tests). */
  readonly counts = { forwards: 0, dropped: 0 };

  constructor(private readonly opts: InternalServerOptions) {
    const onConnection = (socket: net.Socket) => this.accept(socket);
    this.server = opts.tls ? tls.createServer({ cert: opts.tls.cert, key: opts.tls.key, handshakeTimeout: AUTH_TIMEOUT_MS }, onConnection) : net.createServer(onConnection);
    this.server.on('error', (e) => opts.log.error({ err: e.message }, 'internal server error'));
    this.unsubscribe = opts.batcher.onCommitted((changed) => this.tell(changed));
  }

  /** A commit landed: every follower hears its marks (the handler keeps them to the cap; compacted again lest a line grow). */
  private tell(changed: ChangeMarks): void {
    if (this.followers.size === 0) return;
    const m = { t: 'changed', marks: compactMarks(changed) } as const;
    for (const s of this.followers) send(s, m);
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
    socket.on('close', () => {
      this.sockets.delete(socket);
      this.followers.delete(socket);
    });
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
        return this.ready(socket);
      }
      if (m.t === 'auth') return this.ready(socket);
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

  /** Authenticated (or no secret, and it said auth): from now on it hears every commit's marks. */
  private ready(socket: net.Socket): void {
    this.followers.add(socket);
    send(socket, { t: 'ready', changes: true });
  }

  close(): Promise<void> {
    this.unsubscribe();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.end();
    });
  }
}
