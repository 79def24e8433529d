/**
 * AWS Lambda's entry point (the CDK app's NodejsFunction points here, export
 * `handler`). It wires the handler from the environment once per execution
 * environment and publishes one metrics record per batch; the handler itself
 * stays free of both, so tests build it with any store and clock.
 */
import type { BatchRequest, BatchResponse } from './contract';
import { openStorage, storageSettingsFromEnv } from './config';
import { createHandler, type BatchHandler } from './handler';
import { createMetrics, measureDocument, publishBatchMetrics } from './metrics';

interface LambdaContext {
  getRemainingTimeInMillis(): number;
}

let instance: BatchHandler | undefined;
let context: LambdaContext | undefined;
let metrics: ReturnType<typeof createMetrics> | undefined;
let documentBytes: () => number | null = () => null;

export async function handler(event: BatchRequest, ctx?: LambdaContext): Promise<BatchResponse> {
  context = ctx;
  if (!instance) {
    const { options } = openStorage(storageSettingsFromEnv());
    // The store is observed from outside for the DocumentBytes metric.
    const measured = measureDocument(options.store, options.key ?? 'db.json');
    documentBytes = measured.bytes;
    metrics = createMetrics();
    // The module stays loaded between invocations: its cache is the warm cache.
    instance = createHandler({ ...options, store: measured.store, remainingMs: () => context?.getRemainingTimeInMillis() ?? Infinity });
  }
  const started = performance.now();
  const res = await instance(event);
  // CloudWatch EMF on stdout, one record per batch (lambda/metrics.ts).
  if (metrics) publishBatchMetrics(metrics, { req: event, res, durationMs: performance.now() - started, documentBytes: documentBytes() });
  return res;
}
