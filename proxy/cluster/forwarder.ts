/**
 * A follower's executor: write batches go to the cluster's writer over the
 * internal link, to be folded into its group commit; reads, lease claims, and
 * everything while no writer is known or reachable go to the executor
 * underneath (the Lambda), as they would without a cluster.
 *
 * The rules that keep a forwarded batch exactly-once:
 *  - it keeps its batch id; the writer's commit records it as an origin;
 *  - it carries a deadline, and the writer drops it unsent once it passed;
 *  - the follower sends it itself only when it surely never left (no
 *    connection), when the writer said it dropped it, or after the deadline
 *    plus the skew bound between the proxies' clocks. Should a writer still
 *    commit it after that (a batch in flight at the deadline), the handler
 *    recognises the id either way and never applies it twice.
 *
 * The link also brings the marks of every commit the writer lands (`changed`,
 * see link.ts), handed to `onChanged`: this proxy's blocked clients. The link
 * opens with the first forward, and a blocked client's attempt is one (a pop
 * writes), so it is open while clients wait here. When it is not — the writer
 * was unreachable, or the lease moved and nothing was forwarded to the new
 * writer yet — nothing is lost: the block poll's retries are forwarded too,
 * and open it.
 */
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import type { BatchRequest, BatchResponse, ChangeMarks, LeaseState } from '../../lambda/contract';
import type { Executor } from '../executors/types';
import type { Logger } from '../log';
import { changedMarks, readLines, send } from './link';

export interface ForwarderOptions {
  secret: string | null;
  /** The certificate every proxy of the cluster serves: a TLS link accepts a peer only with this one. */
  tlsCert?: Buffer;
  /** How long the writer has to take a forward into a batch. */
  deadlineMs: number;
  /** How far the proxies' clocks may differ: the follower waits this much past the deadline. */
  skewMs: number;
  log: Logger;
  /** Told the writer's view of the lease with each answer. */
  onLease?: (state: LeaseState) => void;
  /** Told the change marks of each commit the writer lands (this proxy's blocked clients wake on them). */
  onChanged?: (marks: ChangeMarks) => void;
  /** Test seam (forward_drop): the socket to a writer. */
  connect?: (host: string, port: number) => net.Socket;
}

type LinkResult = { res: BatchResponse } | { dropped: string } | { lost: string };

/** After a writer could not be reached, writes go to the Lambda directly for this long before trying it again. */
const UNREACHABLE_BACKOFF_MS = 1000;

/** What a link tells beyond the answers to its forwards. */
interface LinkHooks {
  lease(s: LeaseState): void;
  changed(marks: ChangeMarks): void;
}

/** One connection to one writer. */
class Link {
  private readonly waiting = new Map<number, (r: LinkResult) => void>();
  private n = 0;
  /** The writer sends every commit's marks (`changed`) ahead of its answers: an answer's own marks would wake the same clients twice. */
  private told = false;
  readonly ready: Promise<void>;

  constructor(readonly socket: net.Socket, secret: string | null, fingerprint: string | null, hooks: LinkHooks) {
    socket.setNoDelay(true);
    socket.on('error', () => undefined);
    this.ready = new Promise((resolve, reject) => {
      const fail = () => reject(new Error('the writer closed the internal link'));
      socket.once('close', fail);
      const start = () => {
        if (fingerprint !== null && (socket as tls.TLSSocket).getPeerCertificate().fingerprint256 !== fingerprint) return void socket.destroy();
        send(socket, { t: 'auth', secret: secret ?? '' });
      };
      socket.once(fingerprint !== null ? 'secureConnect' : 'connect', start);
      readLines(socket, (m) => {
        if (m.t === 'ready') {
          this.told = m.changes === true;
          socket.off('close', fail);
          return resolve();
        }
        if (m.t === 'changed') return hooks.changed(changedMarks(m));
        const done = typeof m.n === 'number' ? this.waiting.get(m.n) : undefined;
        if (!done) return;
        if (m.t === 'res') {
          if (m.lease && typeof m.lease === 'object') hooks.lease(m.lease as LeaseState);
          done({ res: this.told ? withoutMarks(m.res as BatchResponse) : (m.res as BatchResponse) });
        }
        else if (m.t === 'dropped') done({ dropped: String(m.reason) });
      });
    });
    this.ready.catch(() => undefined);
  }

  /** Resolves with the writer's answer, or `lost` at `giveUpAt` (Unix ms) when none came. */
  request(req: BatchRequest, deadline: number, giveUpAt: number): Promise<LinkResult> {
    const n = ++this.n;
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish({ lost: 'no answer from the writer by the deadline' }), Math.max(0, giveUpAt - Date.now()));
      const finish = (r: LinkResult) => {
        clearTimeout(timer);
        this.waiting.delete(n);
        resolve(r);
      };
      this.waiting.set(n, finish);
      // Sent or not, it may have left: only the deadline (then the timer) makes sending it again safe.
      if (!send(this.socket, { t: 'fwd', n, deadline, req })) finish({ dropped: 'the internal link was closed before sending' });
    });
  }
}

/** An answer whose commit's marks came on the link already (the writer sends them first, on the same socket). */
function withoutMarks(res: BatchResponse): BatchResponse {
  if (!res.ok || res.changed === undefined) return res;
  const { changed: _told, ...rest } = res;
  return rest;
}

export class ForwardingExecutor implements Executor {
  readonly description: string;
  private writer: { host: string; port: number } | null = null;
  private link: { address: string; link: Link } | null = null;
  private unreachableUntil = 0;
  private readonly fingerprint: string | null;
  /** Forwards answered by the writer, sent directly after all, and dropped by the writer (INFO, tests). */
  readonly counts = { forwarded: 0, fellBack: 0, dropped: 0 };

  constructor(private readonly inner: Executor, readonly opts: ForwarderOptions) {
    this.description = `${inner.description}; writes forwarded to the cluster's writer`;
    this.fingerprint = opts.tlsCert ? new X509Certificate(opts.tlsCert).fingerprint256 : null;
  }

  /** The writer's internal address (host:port), or null when this proxy commits itself (it is the writer, or none is known). */
  setWriter(address: string | null): void {
    const i = address?.lastIndexOf(':') ?? -1;
    this.writer = address && i > 0 ? { host: address.slice(0, i), port: Number(address.slice(i + 1)) } : null;
  }

  forwardsWrites(): boolean {
    return this.writer !== null && Date.now() >= this.unreachableUntil;
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  execute(req: BatchRequest): Promise<BatchResponse> {
    // A batch carrying another proxy's forward (this proxy was the writer
    // when it took it) is never forwarded again: a writer refuses such a
    // batch, and the forward would then wait out its deadline for nothing.
    if (req.write === false || req.lease !== undefined || req.sessions.some((s) => s.origin !== undefined) || !this.forwardsWrites()) return this.inner.execute(req);
    return this.forward(req);
  }

  private async forward(req: BatchRequest): Promise<BatchResponse> {
    const deadline = Date.now() + this.opts.deadlineMs;
    const link = this.linkTo();
    try {
      await link.ready;
    } catch {
      // Never connected: nothing left this proxy.
      this.unreachable('cannot connect');
      this.counts.fellBack++;
      return this.inner.execute(req);
    }
    const r = await link.request(req, deadline, deadline + this.opts.skewMs);
    if ('res' in r) {
      this.counts.forwarded++;
      return r.res;
    }
    this.counts.fellBack++;
    if ('dropped' in r) {
      this.counts.dropped++;
      return this.inner.execute(req);
    }
    this.unreachable(r.lost);
    // The writer may have committed the batch and lost only its answer. The
    // handler then answers from the commit window — but a failure before it
    // read db.json afresh (a stale cache, a failed storage check) would say
    // "not applied" of a batch that did apply: only "unknown" is true.
    // The writer may also still be committing it (a forward in flight at the
    // deadline): fenced, this execution records the id even as a no-op, so
    // the writer's finds it landed rather than applying it after our answer.
    const res = await this.inner.execute({ ...req, fence: true });
    return !res.ok && res.failure.kind === 'not-applied' ? { ...res, failure: { kind: 'unknown', message: res.failure.message } } : res;
  }

  private linkTo(): Link {
    const w = this.writer as { host: string; port: number };
    const address = `${w.host}:${w.port}`;
    if (this.link?.address === address && !this.link.link.socket.destroyed) return this.link.link;
    this.link?.link.socket.destroy();
    const socket = this.opts.connect?.(w.host, w.port) ?? (this.fingerprint !== null ? tls.connect({ host: w.host, port: w.port, rejectUnauthorized: false }) : net.connect(w.port, w.host));
    const link = new Link(socket, this.opts.secret, this.fingerprint, { lease: (s) => this.opts.onLease?.(s), changed: (m) => this.opts.onChanged?.(m) });
    this.link = { address, link };
    return link;
  }

  private unreachable(why: string): void {
    this.opts.log.warn({ writer: this.link?.address, why }, 'writer unreachable: committing directly for a while');
    this.unreachableUntil = Date.now() + UNREACHABLE_BACKOFF_MS;
    this.link?.link.socket.destroy();
    this.link = null;
  }

  async close(): Promise<void> {
    this.link?.link.socket.destroy();
    await this.inner.close();
  }
}
