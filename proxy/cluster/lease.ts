/**
 * Keeps this proxy's view of the writer lease: every third of the lease's
 * duration it claims the lease through the handler (which takes or renews it
 * with a conditional write on `<key>.writer`), and points the forwarder at
 * whoever holds it. The holder commits itself; so does everyone while nobody
 * holds it, or while the lease cannot be read.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CONTRACT_VERSION, type LeaseState } from '../../lambda/contract';
import type { Executor } from '../executors/types';
import type { Logger } from '../log';

export interface LeaseKeeperOptions {
  /** The executor underneath the forwarder: a claim always goes to the handler. */
  executor: Executor;
  /** Where this proxy accepts forwards (host:port). */
  address: string;
  ttlMs: number;
  log: Logger;
  /** Called with the writer's address to forward to, or null: commit directly. */
  onWriter: (address: string | null) => void;
}

export class LeaseKeeper {
  readonly holder = randomBytes(9).toString('base64url');
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private stopped = false;
  /** The last answer (INFO, tests). */
  state: LeaseState = { holder: null, address: null, remainingMs: 0 };
  /** Emits 'changed' when the lease changes hands (tests, logs). */
  readonly events = new EventEmitter();

  constructor(private readonly opts: LeaseKeeperOptions) {}

  get isWriter(): boolean {
    return this.state.holder === this.holder;
  }

  /** Claims at once, then keeps claiming; resolves after the first answer. */
  async start(): Promise<void> {
    await this.claim(this.opts.ttlMs);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.claim(this.opts.ttlMs).then(() => this.schedule()), Math.max(50, Math.floor(this.opts.ttlMs / 3)));
    this.timer.unref();
  }

  private async claim(ttlMs: number): Promise<void> {
    const res = await this.opts.executor.execute({ v: CONTRACT_VERSION, batchId: `lease-${this.holder}-${++this.seq}`, sessions: [], lease: { holder: this.holder, address: this.opts.address, ttlMs } });
    const was = this.state.holder;
    // Unreadable lease: nobody is known to lead, so commit directly (still correct, only more conflicts).
    this.state = res.ok && res.lease ? res.lease : { holder: null, address: null, remainingMs: 0 };
    if (this.state.holder !== was) {
      this.opts.log.info({ writer: this.state.holder, address: this.state.address, me: this.holder }, 'writer lease changed hands');
      this.events.emit('changed', this.state);
    }
    this.opts.onWriter(this.isWriter || this.state.holder === null ? null : this.state.address);
  }

  /** Stops renewing and gives the lease up if held, so a follower takes over at once rather than at expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.opts.onWriter(null);
    if (this.isWriter) await this.claim(0).catch(() => undefined);
  }
}
