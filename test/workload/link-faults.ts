/**
 * The cluster faults of the workload (--faults writer_kill, lease_steal,
 * forward_drop; all in "all"), on proxies that take part in the writer lease:
 *  - writer_kill: SIGKILL whichever proxy holds the lease (and restart it);
 *  - lease_steal: another proxy is written into the lease object while the
 *    holder still writes (as a stale view or a partition would make it);
 *  - forward_drop: each proxy's internal port is reached through a relay that
 *    cuts connections (messages in flight lost, either direction) and delays
 *    data.
 * Proxies bind 127.0.0.1 and advertise 127.0.0.2: the relay listens on
 * 127.0.0.2 at the same port and forwards to 127.0.0.1.
 */
import * as net from 'node:net';
import { prng } from '../support/prng';

export const CLUSTER_FAULTS = ['writer_kill', 'lease_steal', 'forward_drop'] as const;
export type ClusterFault = (typeof CLUSTER_FAULTS)[number];

export const RELAY_HOST = '127.0.0.2';

export interface LinkChaos {
  /** Chance per chunk that the connection is cut (both sides). */
  cut: number;
  /** Chance per chunk that it is held back, and for how long at most (ms). */
  delay: number;
  delayMs: number;
}

export const FORWARD_DROP: LinkChaos = { cut: 0.05, delay: 0.2, delayMs: 2500 };

export class Relay {
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  /** Connections cut and chunks delayed (the fault's count). */
  injected = 0;

  constructor(readonly port: number, private readonly chaos: () => LinkChaos | null, seed: number, onInject: () => void) {
    const rand = prng(seed);
    this.server = net.createServer((inbound) => {
      const outbound = net.connect(port, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('error', () => undefined);
        s.on('close', () => {
          this.sockets.delete(s);
          inbound.destroy();
          outbound.destroy();
        });
      }
      const pipe = (from: net.Socket, to: net.Socket) => {
        // Order is kept: a delayed chunk holds back the ones behind it.
        let tail = Promise.resolve();
        from.on('data', (chunk: Buffer) => {
          const c = this.chaos();
          if (c && rand() < c.cut) {
            onInject();
            from.destroy();
            to.destroy();
            return;
          }
          const wait = c && rand() < c.delay ? Math.floor(rand() * c.delayMs) : 0;
          if (wait > 0) onInject();
          tail = tail.then(() => (wait > 0 ? new Promise((r) => setTimeout(r, wait)) : undefined)).then(() => void (to.destroyed || to.write(chunk)));
        });
      };
      pipe(inbound, outbound);
      pipe(outbound, inbound);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.port, RELAY_HOST, () => resolve());
    });
  }

  close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** Who a proxy's log says holds the lease, from its last "writer lease changed hands" line. */
export function leaseView(output: string): { me: string; writer: string | null } | null {
  const lines = output.split('\n').filter((l) => l.includes('"writer lease changed hands"'));
  if (lines.length === 0) return null;
  const last = JSON.parse(lines[lines.length - 1]) as { me: string; writer: string | null };
  return { me: last.me, writer: last.writer };
}
