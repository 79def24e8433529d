/**
 * One proxy's part in a cluster of proxies over one document: its internal
 * port (forwards in), its forwarder (forwards out) and the lease keeper that
 * says which way writes go. Without --internal-port none of this runs and
 * every proxy commits its own batches, as before.
 */
import * as os from 'node:os';
import type { Batcher } from '../batcher';
import type { ParkedClients } from '../blocking';
import type { Executor } from '../executors/types';
import type { Logger } from '../log';
import { ForwardingExecutor } from './forwarder';
import { InternalServer } from './internal-server';
import { LeaseKeeper } from './lease';

export interface ClusterSettings {
  /** The internal port (0: any free one). */
  internalPort: number;
  /** The address to bind (the client port's). */
  host: string;
  /** The address other proxies reach this one at; undefined: found from the interfaces. */
  advertiseHost?: string;
  leaseMs: number;
  forwardDeadlineMs: number;
  forwardSkewMs: number;
  /** The AUTH password, which the link uses as its secret. */
  secret: string | null;
  tls?: { cert: Buffer; key: Buffer };
}

/** The address peers can reach: the bound one, unless it is a wildcard, then the first non-loopback IPv4. */
export function advertisedHost(host: string): string {
  if (host !== '0.0.0.0' && host !== '::') return host;
  for (const addrs of Object.values(os.networkInterfaces())) {
    const a = addrs?.find((x) => x.family === 'IPv4' && !x.internal);
    if (a) return a.address;
  }
  return '127.0.0.1';
}

export class ClusterNode {
  readonly forwarder: ForwardingExecutor;
  private server: InternalServer | null = null;
  private lease: LeaseKeeper | null = null;

  /** Wraps `base` (the Lambda or in-process executor): give `forwarder` to the proxy's server. */
  constructor(private readonly base: Executor, private readonly s: ClusterSettings, private readonly log: Logger) {
    this.forwarder = new ForwardingExecutor(base, { secret: s.secret, tlsCert: s.tls?.cert, deadlineMs: s.forwardDeadlineMs, skewMs: s.forwardSkewMs, log });
  }

  get leaseKeeper(): LeaseKeeper | null {
    return this.lease;
  }

  get internal(): InternalServer | null {
    return this.server;
  }

  /**
   * Opens the internal port, then takes part in the lease. The proxy's
   * batcher takes forwards in (and tells followers what its commits changed);
   * its parked clients hear what the writer's commits changed.
   */
  async start({ batcher, parked }: { batcher: Batcher; parked: ParkedClients }): Promise<void> {
    this.server = new InternalServer({ host: this.s.host, port: this.s.internalPort, tls: this.s.tls, secret: this.s.secret, batcher, log: this.log, lease: () => this.lease?.view() ?? { holder: null, address: null, remainingMs: 0 } });
    const port = await this.server.listen();
    const address = `${this.s.advertiseHost ?? advertisedHost(this.s.host)}:${port}`;
    const lease = new LeaseKeeper({ executor: this.base, address, ttlMs: this.s.leaseMs, log: this.log, onWriter: (a) => this.forwarder.setWriter(a) });
    this.lease = lease;
    batcher.leaseRider = lease;
    this.forwarder.opts.onLease = (s) => lease.observe(s);
    this.forwarder.opts.onChanged = (marks) => parked.committed(marks);
    await lease.start();
  }

  /** Gives the lease up and closes the internal port (forwards already taken are still answered). */
  async stop(): Promise<void> {
    await this.lease?.stop();
    await this.server?.close();
  }
}
