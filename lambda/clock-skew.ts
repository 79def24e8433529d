/** The handler's bound on how far its clock may lead the store's. */
import { BatchFailed } from './batch-failed';
import type { ObjectStore } from './store/types';

/**
 * Refuses to run on a clock that leads the store's by more than `boundMs`.
 * `Date` has whole seconds, so the store's time now is below date + 1 s +
 * the time since that response; only a lead beyond that counts.
 */
export function checkClock(store: ObjectStore, localNow: number, boundMs: number): void {
  const clock = store.serverClock?.();
  if (!clock) return;
  const lead = localNow - (clock.date + 1000 + (performance.now() - clock.receivedAt));
  if (lead > boundMs) throw new BatchFailed('not-applied', `this environment's clock leads the store's by ${Math.round(lead)} ms, more than the ${boundMs} ms allowed`);
}
