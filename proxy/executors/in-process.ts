/**
 * The zero-set-up executor: the handler runs in this process, over the file
 * store or S3, through the same contract as the Lambda.
 */
import { createHandler, type HandlerOptions } from '../../lambda/handler';
import { LocalLambda } from '../../lambda/local-runtime';
import type { BatchRequest, BatchResponse } from '../../lambda/contract';
import type { ObjectStore } from '../../lambda/store/types';
import { failed, type Executor } from './types';
import { validateResponse } from './validate';

export class InProcessExecutor implements Executor {
  readonly description: string;
  private readonly runtime: LocalLambda;

  constructor(private readonly store: ObjectStore, options: HandlerOptions, private readonly checkStorage: () => Promise<void> = async () => undefined) {
    this.description = `in-process handler over ${store.description}`;
    // A store this process alone writes (the file store) gets one handler:
    // its cache is then always current, so no batch re-reads and decodes the
    // document after another environment's commit (O(document) per batch).
    // What it costs: a read waits for a write in flight (one fsync). Over S3
    // a write takes tens of milliseconds, and reads go to other environments
    // meanwhile, as in Lambda.
    this.runtime = new LocalLambda(() => createHandler(options), store.soleWriter ? 1 : undefined);
  }

  /** Refuse to serve on storage that ignores conditional writes (before any client connects). */
  ready(): Promise<void> {
    return this.checkStorage();
  }

  async execute(req: BatchRequest): Promise<BatchResponse> {
    let raw: unknown;
    try {
      raw = await this.runtime.invoke(req);
    } catch (e) {
      // A handler bug: it may have thrown after its write landed.
      return failed(req, 'unknown', `handler error: ${(e as Error).message}`);
    }
    // The same handler code as in Lambda, held to the same contract: a
    // malformed answer is a handler bug whose effect is unknown, not a reply
    // for the proxy to trip over.
    const res = validateResponse(req, raw);
    return typeof res === 'string' ? failed(req, 'unknown', `handler returned a malformed response: ${res}`) : res;
  }

  async close(): Promise<void> {
    this.store.close?.();
  }
}
