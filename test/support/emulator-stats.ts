/**
 * What the emulator counts (for the benchmark's "S3 requests per command")
 * and the latency it adds (to make a local run look like a region).
 */
import type { Timers } from './emulator-http';

export class EmulatorStats {
  /** GetObject requests, including those answered 304. */
  s3Gets = 0;
  s3NotModified = 0;
  s3Heads = 0;
  /** PutObject requests received, and those that changed the object. */
  s3Puts = 0;
  s3PutsApplied = 0;
  s3Deletes = 0;
  s3Lists = 0;
  /** Writes refused by a precondition (412) or a conditional conflict (409, injected ones too). */
  s3Conflicts = 0;
  s3Errors5xx = 0;
  /** Body bytes received (PUT) and sent (GET). */
  s3BytesIn = 0;
  s3BytesOut = 0;
  /** Of the PUTs above, those on page objects (`<key>.pages/…`, lambda/pages/name.ts): the benchmark splits root from page uploads. */
  s3PagePuts = 0;
  s3PagePutsApplied = 0;
  s3PageBytesIn = 0;
  invocations = 0;
  functionErrors = 0;
  throttles = 0;
  lambdaBytesIn = 0;
  lambdaBytesOut = 0;

  reset(): void {
    Object.assign(this, new EmulatorStats());
  }

  /** A plain copy of the counters (to diff before/after a run). */
  snapshot(): StatsSnapshot {
    return { ...this };
  }
}

export type StatsSnapshot = Omit<EmulatorStats, 'reset' | 'snapshot'>;

export interface Latency {
  /** Fixed cost of a GetObject/HeadObject/List (also used for DELETE and bucket ops). */
  s3GetMs: number;
  /** Fixed cost of a PutObject. */
  s3PutMs: number;
  /** Fixed cost of an Invoke, on top of the handler's own time. */
  invokeMs: number;
  /** Added per MiB of body moved (either direction). */
  perMbMs: number;
  /** Uniform random extra in [0, jitterMs). */
  jitterMs: number;
}

export const NO_LATENCY: Latency = { s3GetMs: 0, s3PutMs: 0, invokeMs: 0, perMbMs: 0, jitterMs: 0 };

/**
 * Half of the fixed cost is spent before the request takes effect and the
 * rest after it, so concurrent requests overlap the way they do over a
 * network: the moment a write lands lies strictly inside its request.
 */
export class LatencyModel {
  current: Latency = { ...NO_LATENCY };
  /**
   * Milliseconds of delay this model has asked for so far (before and after
   * together): what a test checks instead of timing requests by the wall clock.
   */
  injectedMs = 0;

  constructor(private readonly timers: Timers, private readonly rand: () => number) {}

  set(l: Partial<Latency>): void {
    this.current = { ...this.current, ...l };
  }

  before(fixedMs: number): Promise<void> {
    return this.delay(fixedMs / 2);
  }

  after(fixedMs: number, bytes: number): Promise<void> {
    const l = this.current;
    const ms = fixedMs / 2 + (l.perMbMs * bytes) / (1024 * 1024) + (l.jitterMs > 0 ? this.rand() * l.jitterMs : 0);
    return this.delay(ms);
  }

  private delay(ms: number): Promise<void> {
    if (ms > 0) this.injectedMs += ms;
    return this.timers.sleep(ms);
  }
}
