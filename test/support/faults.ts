/**
 * Fault injection for the test emulator: one decision per request.
 *
 * The emulator asks `decide(point)` at the start of every S3 request and every
 * Lambda invoke and carries out the returned action. Each fault has its own
 * rate (probability per eligible request) and the draws come from a seeded
 * PRNG, so a run can be reproduced from its seed (as far as the request order
 * is reproducible). `ignorePreconditions` is not a fault drawn at random but a
 * deliberately broken storage mode: conditional writes become unconditional,
 * so the serializability checker and the storage safety check can be shown to
 * catch lost updates. It is not part of "all".
 *
 * `clock_skew` is not drawn per request either: every handler instance (a
 * Lambda execution environment, an in-process proxy's handler) gets its own
 * clock, off from the real one by a fixed share of the configured bound
 * (its "rate" is that bound in ms, default 3000: clocks within ±3 s), drawn
 * from the seed and the instance's number. Each batch that runs on such a
 * clock counts as one injection. `broken-expiry` is a broken mode like
 * ignore-preconditions: the handlers answer "expired" on their own clock
 * without committing it (HandlerOptions.unsafeLocalExpiry), with clock_skew
 * on, so that a key seen gone can come back. Not part of "all" either.
 * `broken-watch` is another: the handlers ignore WATCH
 * (HandlerOptions.unsafeIgnoreWatch), so a compare-and-set transaction
 * commits over a write it should have been aborted by.
 *
 * Paged databases (issue 15) add `page_put_fail` (a PUT of a page object
 * fails or loses its answer) and `crash_after_pages` (a handler dies after a
 * fold uploaded its pages, before anything names them: decided at the
 * handler's afterPageUploads point rather than at a request).
 */
import { prng } from './prng';

export { prng };

export const FAULT_NAMES = [
  's3_500',
  's3_503',
  's3_409',
  's3_latency',
  's3_hang',
  's3_ambiguous_put',
  'lambda_429',
  'lambda_error',
  'lambda_ambiguous',
  'clock_skew',
  'page_put_fail',
  'crash_after_pages',
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Rates used when a fault is switched on by name without a rate. */
export const DEFAULT_RATES: Record<FaultName, number> = {
  s3_500: 0.02,
  s3_503: 0.02,
  s3_409: 0.03,
  s3_latency: 0.1,
  s3_hang: 0.005,
  s3_ambiguous_put: 0.02,
  lambda_429: 0.02,
  lambda_error: 0.01,
  lambda_ambiguous: 0.01,
  // Not a rate: the most a handler's clock is off, in ms.
  clock_skew: 3000,
  // Page uploads are a fold's, a few per fold: high enough to fail some folds every run.
  page_put_fail: 0.05,
  crash_after_pages: 0.05,
};

/** The clock_skew bound, in ms, that "all" and a bare `clock_skew` use. */
export const DEFAULT_CLOCK_SKEW_MS = DEFAULT_RATES.clock_skew;

export type S3Op = 'get' | 'head' | 'put' | 'delete' | 'list' | 'bucket';

export type FaultPoint =
  | { service: 's3'; op: S3Op; bucket: string; key: string; conditional: boolean }
  | { service: 'lambda'; op: 'invoke'; functionName: string }
  /** A handler has uploaded a fold's pages; nothing refers to them yet (HandlerOptions.afterPageUploads). */
  | { service: 'handler'; op: 'pages-uploaded' };

/** How a response that was computed gets lost. */
export type Loss = 'reset' | 'hang' | 'error500';

export type FaultAction =
  | { type: 'none' }
  /** Wait this long, then serve normally. */
  | { type: 'delay'; ms: number }
  /** Answer this error without doing anything (nothing applied). */
  | { type: 'error'; status: number; code: string; message: string }
  /** Never answer: the client's timeout fires (the request is not applied). */
  | { type: 'hang' }
  /** Do the work (apply the write / run the function), then lose the answer. */
  | { type: 'lose-response'; how: Loss }
  /** Lambda only: 429 TooManyRequestsException, the function does not run. */
  | { type: 'throttle' }
  /** Lambda only: FunctionError Unhandled, before the handler ran or after it (it may have committed). */
  | { type: 'function-error'; when: 'before' | 'after' }
  /** Handler only: the process dies here (crashPoint throws InjectedCrash). */
  | { type: 'crash' };

export interface FaultInjector {
  decide(point: FaultPoint): FaultAction;
  /** The broken mode: the emulator ignores If-Match / If-None-Match on writes. */
  readonly ignorePreconditions: boolean;
  /**
   * The clock of handler instance `instance` (Unix ms), or undefined for the
   * real one (clock_skew off).
   */
  clock?(instance: number): (() => number) | undefined;
  /** The broken mode broken-expiry: handlers run with unsafeLocalExpiry. */
  readonly unsafeLocalExpiry?: boolean;
  /** The broken mode broken-watch: handlers run with unsafeIgnoreWatch. */
  readonly unsafeIgnoreWatch?: boolean;
  /** How long a hang lasts at most before the socket is destroyed. */
  readonly hangMs: number;
}

export interface FaultConfig {
  /** Per fault its rate; for clock_skew the bound in ms. */
  rates?: Partial<Record<FaultName, number>>;
  seed?: number;
  ignorePreconditions?: boolean;
  unsafeLocalExpiry?: boolean;
  unsafeIgnoreWatch?: boolean;
  /** s3_latency adds a uniform delay in [0, latencyMaxMs). */
  latencyMaxMs?: number;
  hangMs?: number;
}

/**
 * "none" | "all" | "ignore-preconditions" | "broken-expiry" | "broken-watch" | comma list of
 * names, each with an optional rate: "s3_500,lambda_429=0.1,clock_skew=2000"
 * (clock_skew's is a bound in ms). "all" never includes the broken modes;
 * they may be combined explicitly. "broken-expiry" switches clock_skew on
 * too (at its default bound unless one is given).
 */
export function parseFaultSpec(spec: string): Pick<FaultConfig, 'rates' | 'ignorePreconditions' | 'unsafeLocalExpiry' | 'unsafeIgnoreWatch'> {
  const rates: Partial<Record<FaultName, number>> = {};
  let ignorePreconditions = false;
  let unsafeLocalExpiry = false;
  let unsafeIgnoreWatch = false;
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, rateText] = raw.split('=');
    if (name === 'none') continue;
    if (name === 'ignore-preconditions') {
      ignorePreconditions = true;
      continue;
    }
    if (name === 'broken-expiry') {
      unsafeLocalExpiry = true;
      continue;
    }
    if (name === 'broken-watch') {
      unsafeIgnoreWatch = true;
      continue;
    }
    if (name === 'all') {
      for (const f of FAULT_NAMES) rates[f] ??= DEFAULT_RATES[f];
      continue;
    }
    if (!(FAULT_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown fault ${JSON.stringify(name)}; known: none, all, ignore-preconditions, broken-expiry, broken-watch, ${FAULT_NAMES.join(', ')}`);
    }
    const rate = rateText === undefined ? DEFAULT_RATES[name as FaultName] : Number(rateText);
    if (name === 'clock_skew') {
      if (!(rate >= 0 && Number.isFinite(rate))) throw new Error(`clock_skew takes a bound in ms >= 0, got ${JSON.stringify(rateText)}`);
    } else if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate for ${name} must be in [0, 1], got ${JSON.stringify(rateText)}`);
    rates[name as FaultName] = rate;
  }
  // The broken modes appear only when on (so that specs compare equal without them).
  const watch = unsafeIgnoreWatch ? { unsafeIgnoreWatch } : {};
  if (unsafeLocalExpiry) {
    rates.clock_skew ??= DEFAULT_CLOCK_SKEW_MS;
    return { rates, ignorePreconditions, unsafeLocalExpiry, ...watch };
  }
  return { rates, ignorePreconditions, ...watch };
}

/** Which faults can hit which request. */
function eligible(f: FaultName, p: FaultPoint): boolean {
  if (p.service === 'handler') return f === 'crash_after_pages';
  if (f === 'page_put_fail') return p.service === 's3' && p.op === 'put' && p.key.includes('.pages/');
  if (p.service === 'lambda') return f.startsWith('lambda_');
  if (!f.startsWith('s3_') || p.op === 'bucket') return false;
  if (f === 's3_409') return p.op === 'put' && p.conditional;
  if (f === 's3_ambiguous_put') return p.op === 'put';
  return true;
}

/** The seeded, rate-controlled injector; reconfigurable at runtime. */
export class Faults implements FaultInjector {
  ignorePreconditions = false;
  unsafeLocalExpiry = false;
  unsafeIgnoreWatch = false;
  /** Called with every fault injected (the workload timestamps them). */
  onInject?: (f: FaultName) => void;
  hangMs = 30_000;
  latencyMaxMs = 250;
  /** How many times each fault fired. */
  readonly injected: Record<FaultName, number> = Object.fromEntries(FAULT_NAMES.map((f) => [f, 0])) as Record<FaultName, number>;
  /** How lost responses were lost (lose-response actions). */
  readonly losses: Record<Loss, number> = { reset: 0, hang: 0, error500: 0 };
  private rates: Partial<Record<FaultName, number>> = {};
  private rand: () => number = prng(1);
  private seed = 1;
  /** Per handler instance: its share of the clock_skew bound, in [-1, 1]. */
  private readonly shares = new Map<number, number>();

  constructor(config: FaultConfig | string = {}) {
    this.set(config);
  }

  /** Replace the configuration (a spec string or an object); rates not given are off. */
  set(config: FaultConfig | string): void {
    const c: FaultConfig = typeof config === 'string' ? parseFaultSpec(config) : config;
    this.rates = { ...(c.rates ?? {}) };
    this.ignorePreconditions = c.ignorePreconditions ?? false;
    this.unsafeLocalExpiry = c.unsafeLocalExpiry ?? false;
    this.unsafeIgnoreWatch = c.unsafeIgnoreWatch ?? false;
    if (c.latencyMaxMs !== undefined) this.latencyMaxMs = c.latencyMaxMs;
    if (c.hangMs !== undefined) this.hangMs = c.hangMs;
    if (c.seed !== undefined) {
      this.rand = prng(c.seed);
      this.seed = c.seed;
      this.shares.clear();
    }
  }

  /** The clock_skew bound now (ms; 0 when off). */
  get clockSkewMs(): number {
    return this.rates.clock_skew ?? 0;
  }

  /**
   * Handler instance `instance`'s share of the clock_skew bound, in [-1, 1]:
   * from the seed and the number alone (not from the order instances start
   * in), its own PRNG (the per-request draws stay as they were). Instances 0
   * and 1 get the two ends, so that the bound is reached: 0, the busiest
   * (an idle environment is reused before a new one starts), the slow end,
   * so that the document's clock mostly runs behind the fastest one.
   */
  clockShare(instance: number): number {
    let s = this.shares.get(instance);
    if (s === undefined) {
      s = instance === 0 ? -1 : instance === 1 ? 1 : 2 * prng((this.seed ^ Math.imul(instance + 1, 0x85ebca6b)) >>> 0)() - 1;
      this.shares.set(instance, s);
    }
    return s;
  }

  /** The handler instances that asked for a clock so far, by number: their share of the bound. */
  get clockInstances(): ReadonlyMap<number, number> {
    return this.shares;
  }

  /** The instance's offset from the real clock now (ms). */
  clockOffsetMs(instance: number): number {
    return Math.round(this.clockShare(instance) * this.clockSkewMs);
  }

  /**
   * A clock for handler instance `instance` (HandlerOptions.now): the real
   * one plus the instance's offset under the current bound (0 while
   * clock_skew is off, e.g. once the faults are cleared), each reading of a
   * skewed clock counted as one clock_skew injection.
   */
  clock(instance: number): (() => number) | undefined {
    return () => {
      const offset = this.clockOffsetMs(instance);
      if (offset !== 0) this.inject('clock_skew');
      return Date.now() + offset;
    };
  }

  private inject(f: FaultName): void {
    this.injected[f]++;
    this.onInject?.(f);
  }

  /** All faults off, broken mode off. */
  clear(): void {
    this.set({});
  }

  resetCounts(): void {
    for (const f of FAULT_NAMES) this.injected[f] = 0;
    for (const l of Object.keys(this.losses) as Loss[]) this.losses[l] = 0;
  }

  get active(): FaultName[] {
    return FAULT_NAMES.filter((f) => (this.rates[f] ?? 0) > 0);
  }

  decide(p: FaultPoint): FaultAction {
    // One draw per eligible fault, in a fixed order: the sequence of decisions
    // depends only on the seed and the sequence of requests.
    for (const f of FAULT_NAMES) {
      const rate = this.rates[f] ?? 0;
      if (rate <= 0 || !eligible(f, p)) continue;
      if (this.rand() >= rate) continue;
      this.inject(f);
      return this.action(f);
    }
    return { type: 'none' };
  }

  private action(f: FaultName): FaultAction {
    const loss = (): Loss => {
      const how = (['reset', 'hang', 'error500'] as const)[Math.floor(this.rand() * 3)];
      this.losses[how]++;
      return how;
    };
    switch (f) {
      case 's3_500':
        return { type: 'error', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again.' };
      case 's3_503':
        return { type: 'error', status: 503, code: 'SlowDown', message: 'Please reduce your request rate.' };
      case 's3_409':
        return {
          type: 'error',
          status: 409,
          code: 'ConditionalRequestConflict',
          message: 'A conflicting conditional operation is currently in progress against this resource. Please try again.',
        };
      case 's3_latency':
        return { type: 'delay', ms: Math.floor(this.rand() * this.latencyMaxMs) };
      case 's3_hang':
        return { type: 'hang' };
      case 's3_ambiguous_put':
      case 'lambda_ambiguous':
        return { type: 'lose-response', how: loss() };
      case 'lambda_429':
        return { type: 'throttle' };
      case 'lambda_error':
        // A real function error can come after the handler's commit (a timeout,
        // a crash while answering): half of them do, so a proxy that treats a
        // function error as "not applied" is caught by the checker.
        return { type: 'function-error', when: this.rand() < 0.5 ? 'before' : 'after' };
      case 'clock_skew':
        // Never drawn per request (see clock()).
        return { type: 'none' };
      case 'page_put_fail':
        // Half are refused (the page is not created), half are created and
        // the answer is lost: either way the fold gives up and leaves orphans.
        return this.rand() < 0.5 ? { type: 'error', status: 500, code: 'InternalError', message: 'We encountered an internal error. Please try again. (fault page_put_fail)' } : { type: 'lose-response', how: loss() };
      case 'crash_after_pages':
        return { type: 'crash' };
    }
  }
}

/** What a crashed handler throws: not a BatchFailed, so the handler drops its state and the invocation fails as a dead runtime would. */
export class InjectedCrash extends Error {
  override name = 'Runtime.ExitError';
}

/**
 * The crash fault's point (HandlerOptions.afterPageUploads): a handler that
 * has just uploaded a fold's pages dies before the deltas are answered or the
 * root that would name them is written. The pages become orphans; nothing
 * that was acknowledged may be lost, nothing unacknowledged may half-land.
 */
export function crashPoint(f: FaultInjector): void {
  if (f.decide({ service: 'handler', op: 'pages-uploaded' }).type === 'crash') {
    throw new InjectedCrash('Runtime exited with error: signal: killed (fault crash_after_pages: after the page uploads, before the root PUT)');
  }
}
