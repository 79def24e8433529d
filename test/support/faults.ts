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
};

export type S3Op = 'get' | 'head' | 'put' | 'delete' | 'list' | 'bucket';

export type FaultPoint =
  | { service: 's3'; op: S3Op; bucket: string; key: string; conditional: boolean }
  | { service: 'lambda'; op: 'invoke'; functionName: string };

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
  | { type: 'function-error'; when: 'before' | 'after' };

export interface FaultInjector {
  decide(point: FaultPoint): FaultAction;
  /** The broken mode: the emulator ignores If-Match / If-None-Match on writes. */
  readonly ignorePreconditions: boolean;
  /** How long a hang lasts at most before the socket is destroyed. */
  readonly hangMs: number;
}

export interface FaultConfig {
  rates?: Partial<Record<FaultName, number>>;
  seed?: number;
  ignorePreconditions?: boolean;
  /** s3_latency adds a uniform delay in [0, latencyMaxMs). */
  latencyMaxMs?: number;
  hangMs?: number;
}

/**
 * "none" | "all" | "ignore-preconditions" | comma list of names, each with an
 * optional rate: "s3_500,lambda_429=0.1". "all" never includes
 * ignore-preconditions; the two may be combined explicitly.
 */
export function parseFaultSpec(spec: string): Pick<FaultConfig, 'rates' | 'ignorePreconditions'> {
  const rates: Partial<Record<FaultName, number>> = {};
  let ignorePreconditions = false;
  for (const raw of spec.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [name, rateText] = raw.split('=');
    if (name === 'none') continue;
    if (name === 'ignore-preconditions') {
      ignorePreconditions = true;
      continue;
    }
    if (name === 'all') {
      for (const f of FAULT_NAMES) rates[f] ??= DEFAULT_RATES[f];
      continue;
    }
    if (!(FAULT_NAMES as readonly string[]).includes(name)) {
      throw new Error(`unknown fault ${JSON.stringify(name)}; known: none, all, ignore-preconditions, ${FAULT_NAMES.join(', ')}`);
    }
    const rate = rateText === undefined ? DEFAULT_RATES[name as FaultName] : Number(rateText);
    if (!(rate >= 0 && rate <= 1)) throw new Error(`fault rate for ${name} must be in [0, 1], got ${JSON.stringify(rateText)}`);
    rates[name as FaultName] = rate;
  }
  return { rates, ignorePreconditions };
}

/** Which faults can hit which request. */
function eligible(f: FaultName, p: FaultPoint): boolean {
  if (p.service === 'lambda') return f.startsWith('lambda_');
  if (!f.startsWith('s3_') || p.op === 'bucket') return false;
  if (f === 's3_409') return p.op === 'put' && p.conditional;
  if (f === 's3_ambiguous_put') return p.op === 'put';
  return true;
}

/** The seeded, rate-controlled injector; reconfigurable at runtime. */
export class Faults implements FaultInjector {
  ignorePreconditions = false;
  hangMs = 30_000;
  latencyMaxMs = 250;
  /** How many times each fault fired. */
  readonly injected: Record<FaultName, number> = Object.fromEntries(FAULT_NAMES.map((f) => [f, 0])) as Record<FaultName, number>;
  /** How lost responses were lost (lose-response actions). */
  readonly losses: Record<Loss, number> = { reset: 0, hang: 0, error500: 0 };
  private rates: Partial<Record<FaultName, number>> = {};
  private rand: () => number = prng(1);

  constructor(config: FaultConfig | string = {}) {
    this.set(config);
  }

  /** Replace the configuration (a spec string or an object); rates not given are off. */
  set(config: FaultConfig | string): void {
    const c: FaultConfig = typeof config === 'string' ? parseFaultSpec(config) : config;
    this.rates = { ...(c.rates ?? {}) };
    this.ignorePreconditions = c.ignorePreconditions ?? false;
    if (c.latencyMaxMs !== undefined) this.latencyMaxMs = c.latencyMaxMs;
    if (c.hangMs !== undefined) this.hangMs = c.hangMs;
    if (c.seed !== undefined) this.rand = prng(c.seed);
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
      this.injected[f]++;
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
    }
  }
}
