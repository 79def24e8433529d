/**
 * The zero-set-up executor: the handler runs in this process, over the file
 * store or S3, through the same contract as the Lambda — typed: the batcher
 * hands it Buffers and gets Buffers back (executeLocal), so nothing is
 * base64-encoded, parsed or walked between the two. The wire form
 * (execute) remains for what speaks it: a cluster's forwarded batches and
 * lease claims. It is checked as the Lambda checks it.
 */
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse, type LocalBatchRequest, type LocalBatchResponse } from '../../lambda/contract';
import { fromWireRequest, toWireResponse } from '../../lambda/contract-wire';
import { createLocalHandler, type HandlerOptions } from '../../lambda/handler';
import { LocalLambda } from '../../lambda/local-runtime';
import { validateRequest } from '../../lambda/request';
import type { ObjectStore } from '../../lambda/store/types';
import { failed, type Executor } from './types';

export class InProcessExecutor implements Executor {
  readonly description: string;
  private readonly runtime: LocalLambda<LocalBatchRequest, LocalBatchResponse>;

  constructor(private readonly store: ObjectStore, options: HandlerOptions, private readonly checkStorage: () => Promise<void> = async () => undefined) {
    this.description = `in-process handler over ${store.description}`;
    // A store this process alone writes (the file store) gets one handler:
    // its cache is then always current, so no batch re-reads and decodes the
    // document after another environment's commit (O(document) per batch).
    // What it costs: a read waits for a write in flight (one fsync). Over S3
    // a write takes tens of milliseconds, and reads go to other environments
    // meanwhile, as in Lambda.
    this.runtime = new LocalLambda(() => createLocalHandler(options), store.soleWriter ? 1 : undefined);
  }

  /** Refuse to serve on storage that ignores conditional writes (before any client connects). */
  ready(): Promise<void> {
    return this.checkStorage();
  }

  async executeLocal(req: LocalBatchRequest): Promise<LocalBatchResponse> {
    let res: LocalBatchResponse;
    try {
      res = await this.runtime.invoke(req);
    } catch (e) {
      // A handler bug: it may have thrown after its write landed.
      return failed(req, 'unknown', `handler error: ${(e as Error).message}`);
    }
    // The types hold the shape; what they cannot hold is whether each session
    // is one this batch sent, answered once, with no more replies than
    // commands. A handler bug there would answer the wrong connection.
    const problem = res.ok ? sessionsProblem(req, res.sessions) : null;
    return problem === null ? res : failed(req, 'unknown', `handler returned a malformed response: ${problem}`);
  }

  async execute(req: BatchRequest): Promise<BatchResponse> {
    const invalid = validateRequest(req);
    if (invalid) return { v: CONTRACT_VERSION, batchId: String((req as { batchId?: unknown })?.batchId ?? ''), ok: false, failure: { kind: 'not-applied', message: invalid } };
    return toWireResponse(await this.executeLocal(fromWireRequest(req)));
  }

  async close(): Promise<void> {
    this.store.close?.();
  }
}

/** O(sessions): each answered session was sent, once, with at most one reply per command. */
function sessionsProblem(req: LocalBatchRequest, sessions: readonly { id: string; replies: readonly unknown[] }[]): string | null {
  const sent = new Map<string, number>();
  req.sessions.forEach((s) => sent.set(s.id, s.commands.length));
  for (const s of sessions) {
    const commands = sent.get(s.id);
    if (commands === undefined) return `session ${JSON.stringify(s.id.slice(0, 40))} was not sent, or is answered twice`;
    if (s.replies.length > commands) return `session ${JSON.stringify(s.id)} has ${s.replies.length} replies for ${commands} commands`;
    sent.delete(s.id);
  }
  return null;
}
