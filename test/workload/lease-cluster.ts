/**
 * The workload's proxies when they take part in the writer lease: every
 * proxy a child process that SIGKILL really kills (so whichever holds the
 * lease can be), each internal port behind a Relay (forward_drop), and the
 * lease object within reach of the test (lease_steal).
 */
import { S3Client, PutObjectCommand } from '@aws-sdk/client-s3';
import type { FunctionS3 } from '../support/emulator';
import { spawnKillableProxy, stablePort, type KillableProxy } from './child-proxy';
import { FORWARD_DROP, leaseView, Relay, RELAY_HOST } from './link-faults';

/** A short lease, so that a killed writer is replaced well within the run. */
export const LEASE_MS = 1500;

interface Member {
  port: number;
  internalPort: number;
  proc: KillableProxy;
  relay: Relay;
}

export class LeaseCluster {
  private readonly members: Member[] = [];
  /** Link faults injected so far (forward_drop). */
  linkFaults = 0;
  forwardDrop = false;
  /** Told of each link fault as it happens (the workload's fault trace). */
  onLinkFault?: () => void;

  constructor(private readonly args: () => string[], private readonly env: NodeJS.ProcessEnv, private readonly s3: FunctionS3, private readonly documentKey: string, private readonly seed: number) {}

  get ports(): number[] {
    return this.members.map((m) => m.port);
  }

  async start(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      const [port, internalPort] = [await stablePort(), await stablePort()];
      const relay = new Relay(internalPort, () => (this.forwardDrop ? FORWARD_DROP : null), this.seed * 31 + i, () => {
        this.linkFaults++;
        this.onLinkFault?.();
      });
      await relay.listen();
      const m: Member = { port, internalPort, relay, proc: await this.spawn(port, internalPort) };
      this.members.push(m);
    }
  }

  private spawn(port: number, internalPort: number): Promise<KillableProxy> {
    return spawnKillableProxy(['--port', String(port), ...this.args(), '--internal-port', String(internalPort), '--advertise-host', RELAY_HOST, '--lease-ms', String(LEASE_MS)], this.env);
  }

  /** SIGKILL proxy i and start it again on its ports; resolves when it listens. */
  async killAndRestart(i: number): Promise<void> {
    const m = this.members[i];
    m.proc.child.kill('SIGKILL');
    await m.proc.exited;
    m.proc = await this.spawn(m.port, m.internalPort);
  }

  /** The proxy that says it holds the lease, or -1. */
  writer(): number {
    return this.members.findIndex((m) => {
      const v = leaseView(m.proc.output());
      return v !== null && v.writer === v.me;
    });
  }

  /** writer_kill: SIGKILL the lease holder (and restart it); false when nobody holds it now. */
  async killWriter(): Promise<number> {
    const w = this.writer();
    if (w >= 0) await this.killAndRestart(w);
    return w;
  }

  /** lease_steal: write another proxy into the lease object, unconditionally, while the holder still writes. */
  async stealLease(): Promise<number> {
    const w = this.writer();
    const thief = (Math.max(w, 0) + 1) % this.members.length;
    const me = leaseView(this.members[thief].proc.output())?.me;
    if (!me) return -1;
    const body = JSON.stringify({ holder: me, address: `${RELAY_HOST}:${this.members[thief].internalPort}`, expiresAt: Date.now() + LEASE_MS });
    const s3 = new S3Client({ endpoint: this.s3.endpoint, region: this.s3.region, credentials: this.s3.credentials, forcePathStyle: true });
    try {
      // The emulator's own S3 faults may hit this too: a few tries.
      for (let i = 0; i < 5; i++) {
        try {
          await s3.send(new PutObjectCommand({ Bucket: this.s3.bucket, Key: `${this.documentKey}.writer`, Body: body }));
          return thief;
        } catch {
          continue;
        }
      }
      return -1;
    } finally {
      s3.destroy();
    }
  }

  async close(): Promise<void> {
    for (const m of this.members) {
      m.proc.child.kill('SIGKILL');
      await m.proc.exited;
      await m.relay.close();
    }
  }
}
