/**
 * The proxy's blocked clients (BLPOP, BZPOPMIN, XREAD BLOCK …), parked
 * until something may have changed for them. The engine never waits: a
 * blocking command that found nothing answered "blocked" (BlockedReply), and
 * its session parks here and sends the command again when
 *
 *  - a commit this proxy learnt of changed one of its keys (`committed`, with
 *    the commit's change marks, BatchResponse.changed): a batch of its own;
 *    or, in a cluster (proxy/cluster/), any commit the writer lands — its
 *    own batches and every follower's forwards — which the writer tells each
 *    follower on the internal link. So a push through any proxy of a cluster
 *    wakes a client parked on any other at once, as long as it went through
 *    the writer; or
 *  - the block poll comes round: every `pollMs` all parked clients of this
 *    proxy are woken together, so their retries leave in ONE write batch
 *    (the batcher gathers one event-loop turn). That catches what no commit
 *    told: writes by proxies outside a cluster, a follower's commit made
 *    directly while the writer was unreachable, a follower whose link to a
 *    new writer is not open yet. It costs one invocation per poll per proxy
 *    however many clients wait: an idle proxy with blocked clients costs
 *    3,600 batches an hour at the default 1 s, and none without them.
 *
 * A wake-up can be early or spurious (a hash collision, a write that did not
 * make a list): the retry then answers "blocked" again and the client parks
 * again, having changed nothing. A wake-up is never lost between the
 * attempt and the parking: the session says which commits it had heard of
 * when it sent the attempt (`since`), and the marks of later ones are kept
 * for a while (RECENT), so one that landed meanwhile wakes it at once. That
 * holds for marks a writer tells too: a commit that followed the attempt's
 * is told after the attempt was sent, so after its `since`.
 */
import { EVERYTHING, keyMark, marksHit } from '../lambda/changes';
import type { Metrics } from './metrics';

/** The block poll's default period (--block-poll-ms). */
export const DEFAULT_BLOCK_POLL_MS = 1000;

export type Wake = 'retry' | 'timeout' | 'aborted';

export interface ParkRequest {
  db: number;
  keys: readonly Buffer[];
  /** Unix ms past which the command answers its timeout reply; Infinity: never. */
  deadline: number;
  /** `generation` when the attempt that blocked was sent. */
  since: number;
  /** The connection went away (or the proxy is draining): stop waiting. */
  signal: AbortSignal;
}

interface Waiter {
  db: number;
  marks: string[];
  wake: (why: Wake) => void;
}

/** Commits whose marks are kept for parkers that sent their attempt before them. */
const RECENT = 256;

export class ParkedClients {
  private readonly waiters = new Set<Waiter>();
  private readonly recent: { gen: number; marks: readonly string[] }[] = [];
  private gen = 0;
  private timer: NodeJS.Timeout | null = null;

  constructor(readonly pollMs: number, private readonly metrics: Metrics) {}

  /** How many commits with changes this proxy has heard of: a parker's `since`. */
  get generation(): number {
    return this.gen;
  }

  get parked(): number {
    return this.waiters.size;
  }

  /** A commit changed these keys (change marks): wake whoever waits on one of them. */
  committed(marks: readonly string[]): void {
    if (marks.length === 0) return;
    this.recent.push({ gen: ++this.gen, marks });
    if (this.recent.length > RECENT) this.recent.shift();
    for (const w of this.waiters) {
      if (hit(marks, w)) {
        this.metrics.blockWakeups++;
        w.wake('retry');
      }
    }
  }

  /** Waits for a reason to retry, the deadline, or the signal. */
  park(req: ParkRequest): Promise<Wake> {
    const w: Waiter = { db: req.db, marks: req.keys.map((k) => keyMark(req.db, k)), wake: () => undefined };
    if (req.signal.aborted) return Promise.resolve('aborted');
    if (this.missed(req.since, w)) {
      this.metrics.blockWakeups++;
      return Promise.resolve('retry');
    }
    const left = req.deadline - Date.now();
    if (left <= 0) return Promise.resolve('timeout');
    return new Promise((resolve) => {
      const timer = Number.isFinite(left) ? setTimeout(() => w.wake('timeout'), left) : null;
      const onAbort = () => w.wake('aborted');
      w.wake = (why) => {
        if (timer) clearTimeout(timer);
        req.signal.removeEventListener('abort', onAbort);
        this.waiters.delete(w);
        if (this.waiters.size === 0) this.stopPolling();
        resolve(why);
      };
      req.signal.addEventListener('abort', onAbort);
      this.waiters.add(w);
      this.startPolling();
    });
  }

  /** A commit heard of after `since` hit the waiter's keys (or is too old to tell: then assume it did). */
  private missed(since: number, w: Waiter): boolean {
    if (since >= this.gen) return false;
    if (this.recent.length === 0 || this.recent[0].gen > since + 1) return true;
    return this.recent.some((c) => c.gen > since && hit(c.marks, w));
  }

  private startPolling(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.poll(), this.pollMs);
    // Parked clients are connections: they keep the process alive, not this timer.
    this.timer.unref();
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Every parked client retries now; their retries leave together, in one batch. */
  private poll(): void {
    this.metrics.blockPolls++;
    for (const w of [...this.waiters]) w.wake('retry');
  }
}

function hit(marks: readonly string[], w: Waiter): boolean {
  if (marks.includes(EVERYTHING)) return true;
  return w.marks.some((m) => marksHit(marks, w.db, m));
}
