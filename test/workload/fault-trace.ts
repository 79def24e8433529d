/**
 * When each fault fired, so that the summary can say how many checked
 * operations each fault class touched: an operation counts for a class when
 * a fault of that class was injected while the operation was in flight (from
 * its call to its reply, or to the end of the run if it never got one). That
 * over-approximates "the fault hit this operation's batch", which cannot be
 * traced through the proxies, but it is exact about which operations the
 * checker saw under which faults.
 */
import type { Operation } from '../checker/history';
import type { Faults } from '../support/faults';
import { FAULT_CLASSES, type FaultClass } from './options';

export class FaultTrace {
  private readonly times = new Map<FaultClass, number[]>(FAULT_CLASSES.map((c) => [c, []]));

  constructor(private readonly now: () => number = () => performance.now()) {}

  /** Timestamps every fault the emulator injects (clock_skew: every batch run on a skewed clock). */
  attach(faults: Faults): void {
    faults.onInject = (f) => this.add(f);
  }

  add(cls: FaultClass, at: number = this.now()): void {
    this.times.get(cls)?.push(at);
  }

  count(cls: FaultClass): number {
    return this.times.get(cls)?.length ?? 0;
  }

  /** Per class: operations (or transactions) in flight when a fault of that class fired. */
  exposure<T extends Pick<Operation, 'call' | 'ret'>>(ops: T[], end: number, filter: (op: T, cls: FaultClass) => boolean = () => true): Map<FaultClass, number> {
    const out = new Map<FaultClass, number>();
    for (const [cls, times] of this.times) {
      const sorted = [...times].sort((a, b) => a - b);
      let n = 0;
      for (const op of ops) {
        if (!filter(op, cls)) continue;
        const to = op.ret ?? end;
        // First fault at or after the call; does it come before the reply?
        let lo = 0;
        let hi = sorted.length;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (sorted[mid] < op.call) lo = mid + 1;
          else hi = mid;
        }
        if (lo < sorted.length && sorted[lo] <= to) n++;
      }
      out.set(cls, n);
    }
    return out;
  }
}
