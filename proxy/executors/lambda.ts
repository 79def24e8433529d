/**
 * Invokes the valthree Lambda with @aws-sdk/client-lambda.
 *
 * The SDK would retry a timed-out or 5xx Invoke by itself, running a batch
 * twice with no one the wiser. So the client has maxAttempts 1 and this file
 * decides: throttling (429: the function did not run) is retried with
 * backoff; an ambiguous failure (timeout, 5xx, reset, a function crash) is
 * re-sent once with the same batch id, which the handler recognises in the
 * commit window, so it still takes effect at most once. What stays ambiguous
 * is answered as "outcome unknown", and so is an answer that is not a
 * well-formed response to the batch (validate.ts).
 */
import { describeSdkError, type SdkError } from '../../lambda/store/sdk-error';
import { LambdaClient, InvokeCommand } from '@aws-sdk/client-lambda';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import type { BatchRequest, BatchResponse } from '../../lambda/contract';
import { failed, type Executor } from './types';
import { validateResponse } from './validate';

export interface LambdaExecutorOptions {
  functionName: string;
  region?: string;
  endpoint?: string;
  /** Static keys; otherwise the SDK's default chain (the ECS task role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
  /** Must exceed the function's own timeout, so a live invocation is never cut short. */
  invokeTimeoutMs: number;
  /** Re-sends of an ambiguous invoke (same batch id). */
  ambiguousRetries?: number;
  /** Attempts while throttled. */
  throttleRetries?: number;
  maxSockets?: number;
  sleep?: (ms: number) => Promise<void>;
}


export class LambdaExecutor implements Executor {
  readonly description: string;
  private readonly client: LambdaClient;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly opts: LambdaExecutorOptions) {
    this.client = new LambdaClient({
      region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      endpoint: opts.endpoint,
      credentials: opts.credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({
        requestTimeout: opts.invokeTimeoutMs,
        connectionTimeout: 2000,
        throwOnRequestTimeout: true,
        httpAgent: { keepAlive: true, maxSockets: opts.maxSockets ?? 512 },
        httpsAgent: { keepAlive: true, maxSockets: opts.maxSockets ?? 512 },
      }),
    });
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.description = `Lambda ${opts.functionName}`;
  }

  /** The Lambda runs its own storage check at cold start. */
  async ready(): Promise<void> {}

  async execute(req: BatchRequest): Promise<BatchResponse> {
    let payload = Buffer.from(JSON.stringify(req));
    let ambiguousLeft = this.opts.ambiguousRetries ?? 1;
    let throttledLeft = this.opts.throttleRetries ?? 5;
    // Once an attempt's outcome was unknown, that attempt may have committed
    // (or may still be running): no later answer can make the batch "not
    // applied", only "done" or "unknown".
    let wasAmbiguous = false;
    const notApplied = (message: string): BatchResponse => failed(req, wasAmbiguous ? 'unknown' : 'not-applied', message);
    for (let attempt = 0; ; attempt++) {
      const r = await this.invokeOnce(req, payload);
      if (r.kind === 'done') {
        const res = r.response;
        return wasAmbiguous && !res.ok && res.failure.kind === 'not-applied' ? { ...res, failure: { ...res.failure, kind: 'unknown' } } : res;
      }
      if (r.kind === 'throttled' && throttledLeft-- > 0) {
        await this.sleep(Math.min(1000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2));
        continue;
      }
      if (r.kind === 'ambiguous') {
        // The first invocation may still be running: a write re-sent is fenced
        // (BatchRequest.fence), so a no-op answer here cannot be followed by
        // that invocation applying the batch on a newer state.
        if (!wasAmbiguous && req.write !== false) payload = Buffer.from(JSON.stringify({ ...req, fence: true }));
        wasAmbiguous = true;
        if (ambiguousLeft-- > 0) continue;
      }
      if (r.kind === 'throttled') return notApplied(`Lambda is throttling (${r.detail})`);
      if (r.kind === 'refused') return notApplied(r.detail);
      return failed(req, 'unknown', r.detail);
    }
  }

  private async invokeOnce(
    req: BatchRequest,
    payload: Buffer,
  ): Promise<{ kind: 'done'; response: BatchResponse } | { kind: 'throttled' | 'ambiguous' | 'refused'; detail: string }> {
    let body: string;
    try {
      const res = await this.client.send(new InvokeCommand({ FunctionName: this.opts.functionName, Payload: payload }));
      body = res.Payload ? Buffer.from(res.Payload).toString('utf8') : '';
      if (res.FunctionError) {
        // The function crashed or timed out: it may have committed before that.
        return { kind: 'ambiguous', detail: `Lambda function error: ${summarise(body)}` };
      }
    } catch (e) {
      return classifyInvokeError(e);
    }
    return { kind: 'done', response: parseResponse(req, body) };
  }

  async close(): Promise<void> {
    this.client.destroy();
  }
}

function classifyInvokeError(e: unknown): { kind: 'throttled' | 'ambiguous' | 'refused'; detail: string } {
  const err = e as SdkError;
  const status = err.$metadata?.httpStatusCode;
  const detail = `Invoke failed: ${describeSdkError(err)}`;
  if (status === 429 || err.name === 'TooManyRequestsException') return { kind: 'throttled', detail };
  // Other 4xx: the request was refused before the function ran.
  if (status !== undefined && status >= 400 && status < 500 && status !== 408) return { kind: 'refused', detail };
  return { kind: 'ambiguous', detail };
}

/**
 * The function ran and answered; whatever it answered is used only if it is
 * a well-formed response to this batch. Otherwise it may have committed or
 * not, and re-sending cannot tell (a replay of a malformed answer is no
 * better): the whole batch is "outcome unknown".
 */
function parseResponse(req: BatchRequest, body: string): BatchResponse {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return failed(req, 'unknown', `Lambda returned a malformed response: not JSON (${body.length} bytes)`);
  }
  const res = validateResponse(req, raw);
  return typeof res === 'string' ? failed(req, 'unknown', `Lambda returned a malformed response: ${res}`) : res;
}

function summarise(body: string): string {
  try {
    const p = JSON.parse(body) as { errorType?: string; errorMessage?: string };
    return `${p.errorType ?? 'Error'}: ${p.errorMessage ?? ''}`.slice(0, 300);
  } catch {
    return body.slice(0, 300);
  }
}
