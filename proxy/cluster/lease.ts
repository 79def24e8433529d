/**
 * Keeps this proxy's view of the writer lease and points the forwarder at
 * whoever holds it. The holder commits itself; so does everyone while nobody
 * holds it, or while the lease cannot be read.
 *
 * Claims go through the handler (a conditional write on `<key>.writer`). They
 * are kept off the Lambda's hot path, because an invocation of its own may
 * land on the execution environment whose cache the writer's next commit
 * needed, costing that commit a conflict (measured: 0.056 conflicts per commit
 * with three proxies claiming every second, 0 without):
 *  - the writer renews riding on its next write batch (Batcher.leaseRider),
 *    and invokes on its own only when no write comes soon;
 *  - a follower learns the lease from the writer's answers to its forwards,
 *    and claims only when it has heard nothing recent.
 */
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { CONTRACT_VERSION, type LeaseClaim, type LeaseState } from '../../lambda/contract';
import type { LeaseRider } from '../batcher';
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

export class LeaseKeeper implements LeaseRider {
  readonly holder = randomBytes(9).toString('base64url');
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;
  private stopped = false;
  /** A renewal waiting for a write batch to ride on. */
  private riding: { claim: LeaseClaim; taken: boolean; done: (s: LeaseState | null) => void } | null = null;
  /** When `state` was last learned, and from whom. */
  private learnedAt = 0;
  /** The last answer (INFO, tests). */
  state: LeaseState = { holder: null, address: null, remainingMs: 0 };
  /** Emits 'changed' when the lease changes hands (tests, logs). */
  readonly events = new EventEmitter();

  constructor(private readonly opts: LeaseKeeperOptions) {}

  get isWriter(): boolean {
    return this.state.holder === this.holder;
  }

  /** The lease as this proxy knows it now (a writer tells its followers). */
  view(): LeaseState {
    return { ...this.state, remainingMs: Math.max(0, this.state.remainingMs - (Date.now() - this.learnedAt)) };
  }

  /** Claims at once, then keeps claiming; resolves after the first answer. */
  async start(): Promise<void> {
    await this.invoke(this.opts.ttlMs);
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => void this.tick().then(() => this.schedule()), Math.max(50, Math.floor(this.opts.ttlMs / 3)));
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    const third = this.opts.ttlMs / 3;
    // A follower that heard from the writer lately, with time left on its lease, need not ask.
    if (!this.isWriter && this.state.holder !== null && Date.now() - this.learnedAt < third && this.view().remainingMs > third) return;
    if (this.isWriter && (await this.ride())) return;
    await this.invoke(this.opts.ttlMs);
  }

  /** Offers the renewal to the next write batch; false when none took it in time, or its answer was lost. */
  private async ride(): Promise<boolean> {
    const claim: LeaseClaim = { holder: this.holder, address: this.opts.address, ttlMs: this.opts.ttlMs };
    const answered = new Promise<LeaseState | null>((done) => (this.riding = { claim, taken: false, done }));
    const wait = setTimeout(() => this.riding && !this.riding.taken && this.riding.done(null), this.opts.ttlMs / 6);
    const state = await answered;
    clearTimeout(wait);
    this.riding = null;
    if (state === null) return false;
    this.learn(state);
    return true;
  }

  take(): LeaseClaim | undefined {
    if (!this.riding || this.riding.taken) return undefined;
    this.riding.taken = true;
    return this.riding.claim;
  }

  answer(state: LeaseState | null): void {
    this.riding?.done(state);
  }

  /** The writer's view, from its answer to a forward. */
  observe(state: LeaseState): void {
    if (!this.isWriter) this.learn(state);
  }

  private async invoke(ttlMs: number): Promise<void> {
    const res = await this.opts.executor.execute({ v: CONTRACT_VERSION, batchId: `lease-${this.holder}-${++this.seq}`, sessions: [], lease: { holder: this.holder, address: this.opts.address, ttlMs } });
    // Unreadable lease: nobody is known to lead, so commit directly (still correct, only more conflicts).
    this.learn(res.ok && res.lease ? res.lease : { holder: null, address: null, remainingMs: 0 });
  }

  private learn(state: LeaseState): void {
    const was = this.state.holder;
    this.state = state;
    this.learnedAt = Date.now();
    if (state.holder !== was) {
      this.opts.log.info({ writer: state.holder, address: state.address, me: this.holder }, 'writer lease changed hands');
      this.events.emit('changed', state);
    }
    this.opts.onWriter(this.isWriter || state.holder === null ? null : state.address);
  }

  /** Stops renewing and gives the lease up if held, so a follower takes over at once rather than at expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.riding?.done(null);
    this.opts.onWriter(null);
    if (this.isWriter) await this.invoke(0).catch(() => undefined);
  }
}
