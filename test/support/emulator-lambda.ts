/**
 * The emulator's Lambda: `POST /2015-03-31/functions/{name}/invocations`
 * running the real handler (lambda/handler.ts) in a LocalLambda pool, whose
 * environments each own an S3Store that talks to the emulator's own S3
 * endpoint over HTTP with the real SDK — so every S3 request the handler
 * makes crosses the same code path, latency and faults as any other client's.
 *
 * Answers as Lambda does: 200 + the JSON result; a handler that throws → 200
 * with `X-Amz-Function-Error: Unhandled` and {errorType, errorMessage, trace};
 * a handler past its timeout → the same with Sandbox.Timedout; unknown
 * function → 404 ResourceNotFoundException; 429 TooManyRequestsException when
 * throttled (reserved concurrency, or the lambda_429 fault).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BatchRequest, BatchResponse } from '../../lambda/contract';
import { LAMBDA_PAYLOAD_LIMIT } from '../../lambda/contract';
import { storageSettingsFromEnv } from '../../lambda/config';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { pagingFor } from '../../lambda/pages/settings';
import { LocalLambda } from '../../lambda/local-runtime';
import { S3Store } from '../../lambda/store/s3';
import { checkStorageSafety } from '../../lambda/store/safety';
import { HttpError, readRaw, requestId, type Timers } from './emulator-http';
import type { EmulatorStats, LatencyModel } from './emulator-stats';
import { crashPoint, type FaultInjector, type Loss } from './faults';

export interface FunctionOptions {
  /**
   * Settings as a deployed Lambda reads them from its environment
   * (VALTHREE_KEY, VALTHREE_CACHE, VALTHREE_MAXMEMORY, VALTHREE_ETAG_FORM,
   * VALTHREE_UNSAFE_STORAGE, VALTHREE_S3_TIMEOUT_MS); the options below win.
   */
  env?: NodeJS.ProcessEnv;
  /** Object key of the document (default db.json). */
  key?: string;
  /** Warm cache between invocations (default on, as deployed). */
  cache?: boolean;
  maxDocumentBytes?: number;
  /** The storage safety check before the first write (default on, as deployed). */
  safetyCheck?: boolean;
  etagForm?: 'auto' | 'quoted' | 'unquoted';
  /** The S3Store's per-request timeout. */
  s3TimeoutMs?: number;
  /** Lambda's function timeout (default 10 s). */
  timeoutMs?: number;
  /** Execution environments at most (LocalLambda's pool size). */
  maxEnvironments?: number;
  /** Reserved concurrency: invocations past it get 429 (default: no limit). */
  reservedConcurrency?: number;
  /** Replace the real handler (for tests of the invoke path itself). */
  handler?: (req: BatchRequest) => Promise<BatchResponse>;
  /**
   * The clock of execution environment `instance` (0, 1, … in the order
   * they start): HandlerOptions.now. Default: the fault injector's
   * (clock_skew), else Date.now.
   */
  clock?: (instance: number) => (() => number) | undefined;
  /** HandlerOptions.maxClockSkewMs (default VALTHREE_MAX_CLOCK_SKEW_MS, else 5 s). */
  maxClockSkewMs?: number;
  /** HandlerOptions.unsafeLocalExpiry (a broken mode); default: the fault injector's (broken-expiry). */
  unsafeLocalExpiry?: boolean;
  /** HandlerOptions.unsafeIgnoreWatch (a broken mode); default: the fault injector's (broken-watch). */
  unsafeIgnoreWatch?: boolean;
}

export interface LambdaDeps {
  stats: EmulatorStats;
  faults: FaultInjector;
  latency: LatencyModel;
  timers: Timers;
  /** The emulator's own S3 endpoint, bucket and credentials. */
  s3: { endpoint: string; bucket: string; region: string; credentials: { accessKeyId: string; secretAccessKey: string } };
}

interface Fn {
  name: string;
  lambda: LocalLambda;
  stores: S3Store[];
  timeoutMs: number;
  reserved?: number;
  inFlight: number;
}

export class LambdaBackend {
  private readonly functions = new Map<string, Fn>();

  constructor(private readonly d: LambdaDeps) {}

  addFunction(name: string, o: FunctionOptions = {}): void {
    this.removeFunction(name);
    const stores: S3Store[] = [];
    const fn: Fn = { name, lambda: new LocalLambda(() => this.environment(o, stores, fn), o.maxEnvironments), stores, timeoutMs: o.timeoutMs ?? 10_000, reserved: o.reservedConcurrency, inFlight: 0 };
    this.functions.set(name, fn);
  }

  removeFunction(name: string): void {
    const fn = this.functions.get(name);
    if (!fn) return;
    for (const s of fn.stores) s.close();
    this.functions.delete(name);
  }

  close(): void {
    for (const name of [...this.functions.keys()]) this.removeFunction(name);
  }

  /** One execution environment: its own S3 client, cache and safety check, like a cold start. */
  private environment(o: FunctionOptions, stores: S3Store[], fn: Fn): BatchHandler {
    if (o.handler) return o.handler;
    const s = storageSettingsFromEnv(o.env ?? {});
    const etagForm = o.etagForm ?? s.etagForm;
    // Built here rather than by openStorage(): the emulator's credentials are
    // explicit, while openStorage relies on the SDK's ambient credential chain.
    const store = new S3Store({
      bucket: this.d.s3.bucket,
      endpoint: this.d.s3.endpoint,
      region: this.d.s3.region,
      forcePathStyle: true,
      credentials: this.d.s3.credentials,
      requestTimeoutMs: o.s3TimeoutMs ?? s.s3TimeoutMs,
      etagForm: etagForm === 'auto' ? undefined : etagForm,
    });
    stores.push(store);
    const key = o.key ?? s.key;
    const safety = o.safetyCheck ?? !s.unsafeStorage;
    let deadline = Infinity;
    // This environment's number: its clock under clock_skew depends on it.
    const instance = stores.length - 1;
    const handler = createHandler({
      now: (o.clock ?? ((i: number) => this.d.faults.clock?.(i)))(instance),
      maxClockSkewMs: o.maxClockSkewMs ?? s.maxClockSkewMs,
      unsafeLocalExpiry: o.unsafeLocalExpiry ?? this.d.faults.unsafeLocalExpiry ?? false,
      unsafeIgnoreWatch: o.unsafeIgnoreWatch ?? this.d.faults.unsafeIgnoreWatch ?? false,
      store,
      key,
      maxDocumentBytes: o.maxDocumentBytes ?? s.maxDocumentBytes,
      cache: o.cache ?? s.cache,
      exactlyOnce: s.exactlyOnce,
      paging: pagingFor(s.pageThreshold, s.pageBytes),
      afterPageUploads: () => crashPoint(this.d.faults),
      remainingMs: () => deadline - Date.now(),
      beforeFirstWrite: safety
        ? async () => {
            const report = await checkStorageSafety(store, `${key}.probe`);
            if (etagForm === 'auto') store.etagForm = report.etagForm;
          }
        : undefined,
    });
    return (req) => {
      deadline = Date.now() + fn.timeoutMs;
      return handler(req);
    };
  }

  async handle(req: IncomingMessage, res: ServerResponse, name: string): Promise<void> {
    const fn = this.functions.get(name);
    if (req.method !== 'POST') throw new HttpError(405, 'MethodNotAllowed', 'Invoke takes POST');
    const raw = await readRaw(req, LAMBDA_PAYLOAD_LIMIT, () => new HttpError(413, 'RequestEntityTooLargeException', `Request must be smaller than ${LAMBDA_PAYLOAD_LIMIT} bytes for the InvokeFunction operation`));
    if (!fn) throw new HttpError(404, 'ResourceNotFoundException', `Function not found: arn:aws:lambda:us-east-1:000000000000:function:${name}`);
    this.d.stats.lambdaBytesIn += raw.length;
    const type = String(req.headers['x-amz-invocation-type'] ?? 'RequestResponse');
    if (type !== 'RequestResponse') throw new HttpError(400, 'InvalidParameterValueException', `the emulator supports only RequestResponse invocations, not ${type}`);
    let event: BatchRequest;
    try {
      event = JSON.parse(raw.length ? raw.toString('utf8') : '{}') as BatchRequest;
    } catch {
      throw new HttpError(400, 'InvalidRequestContentException', 'Could not parse request body into json');
    }

    const action = this.d.faults.decide({ service: 'lambda', op: 'invoke', functionName: name });
    if (action.type === 'throttle' || (fn.reserved !== undefined && fn.inFlight >= fn.reserved)) {
      this.d.stats.throttles++;
      res.setHeader('retry-after', '1');
      throw new HttpError(429, 'TooManyRequestsException', 'Rate Exceeded.');
    }
    // Counted like Lambda bills: a throttled request is not an invocation.
    this.d.stats.invocations++;
    const fixed = this.d.latency.current.invokeMs;
    fn.inFlight++;
    await this.d.latency.before(fixed);
    let out: { status: 'ok'; result: unknown } | { status: 'error'; errorType: string; errorMessage: string; trace: string[] };
    try {
      if (action.type === 'function-error' && action.when === 'before') {
        out = { status: 'error', errorType: 'Runtime.ExitError', errorMessage: 'RequestId: injected Error: Runtime exited with error: signal: killed (fault lambda_error)', trace: [] };
      } else {
        out = await this.run(fn, event);
        if (action.type === 'function-error') {
          out = { status: 'error', errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after the handler finished (fault lambda_error)', trace: [] };
        }
      }
    } finally {
      fn.inFlight--;
    }
    const payload = Buffer.from(out.status === 'ok' ? JSON.stringify(out.result ?? null) : JSON.stringify({ errorType: out.errorType, errorMessage: out.errorMessage, trace: out.trace }));
    await this.d.latency.after(fixed, raw.length + payload.length);
    if (res.destroyed) return;
    if (action.type === 'lose-response') return this.lose(res, action.how);
    let body = payload;
    if (out.status === 'ok' && payload.length > LAMBDA_PAYLOAD_LIMIT) {
      out = { status: 'error', errorType: 'Function.ResponseSizeTooLarge', errorMessage: `Response payload size exceeded maximum allowed payload size (${LAMBDA_PAYLOAD_LIMIT} bytes).`, trace: [] };
      body = Buffer.from(JSON.stringify({ errorType: out.errorType, errorMessage: out.errorMessage }));
    }
    if (out.status === 'error') {
      this.d.stats.functionErrors++;
      res.setHeader('x-amz-function-error', 'Unhandled');
    }
    this.d.stats.lambdaBytesOut += body.length;
    res.setHeader('content-type', 'application/json');
    res.setHeader('x-amz-executed-version', '$LATEST');
    res.setHeader('content-length', body.length);
    res.end(body);
  }

  /** The handler under Lambda's timeout: past it, a Sandbox.Timedout function error (the handler may still be running). */
  private async run(fn: Fn, event: BatchRequest): Promise<{ status: 'ok'; result: unknown } | { status: 'error'; errorType: string; errorMessage: string; trace: string[] }> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<{ status: 'error'; errorType: string; errorMessage: string; trace: string[] }>((resolve) => {
      timer = setTimeout(() => resolve({ status: 'error', errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(fn.timeoutMs / 1000).toFixed(2)} seconds`, trace: [] }), fn.timeoutMs);
    });
    const work = fn.lambda.invoke(event).then(
      (result) => ({ status: 'ok' as const, result }),
      (e: unknown) => {
        const err = e instanceof Error ? e : new Error(String(e));
        return { status: 'error' as const, errorType: err.name || 'Error', errorMessage: err.message, trace: (err.stack ?? '').split('\n') };
      },
    );
    try {
      return await Promise.race([work, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async lose(res: ServerResponse, how: Loss): Promise<void> {
    if (how === 'reset') {
      res.socket?.destroy();
      return;
    }
    if (how === 'hang') {
      await Promise.race([this.d.timers.sleep(this.d.faults.hangMs), new Promise<void>((r) => res.once('close', () => r()))]);
      res.socket?.destroy();
      return;
    }
    sendLambdaError(res, new HttpError(500, 'ServiceException', 'The service encountered an internal error (fault lambda_ambiguous: the function ran).'));
  }
}

/** Lambda's REST-JSON error: the type in x-amzn-ErrorType and in the body. */
export function sendLambdaError(res: ServerResponse, err: HttpError): void {
  if (res.headersSent || res.destroyed) return;
  const body = Buffer.from(JSON.stringify({ Type: err.status >= 500 ? 'Service' : 'User', message: err.message, __type: err.code }));
  res.statusCode = err.status;
  res.setHeader('x-amzn-errortype', err.code);
  res.setHeader('x-amzn-requestid', String(res.getHeader('x-amzn-requestid') ?? requestId()));
  res.setHeader('content-type', 'application/json');
  res.setHeader('content-length', body.length);
  res.end(body);
}

/** "valthree", "valthree:$LATEST" or an ARN "arn:aws:lambda:…:function:valthree[:alias]" → "valthree". */
export function functionNameOf(raw: string): string {
  const name = decodeURIComponent(raw);
  const m = /^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:([^:]+)/.exec(name);
  return m ? m[1] : name.split(':')[0];
}
