/**
 * Wires a proxy from its settings: the executor (Lambda, or the handler
 * in-process over S3 or the file store), the limits, and the server.
 */
import * as fs from 'node:fs';
import { openStorage, staticCredentials, storageSettingsFromEnv } from '../lambda/config';
import { DEFAULT_BATCH_LIMITS } from './batcher';
import { bool, int, UsageError, type Settings } from './config';
import { InProcessExecutor } from './executors/in-process';
import { LambdaExecutor } from './executors/lambda';
import type { Executor } from './executors/types';
import { createLogger, type Logger } from './log';
import { ValthreeServer } from './server';

export function buildExecutor(s: Settings, env: NodeJS.ProcessEnv = process.env): Executor {
  const naive = bool(s, 'naive');
  if (s.function) {
    return new LambdaExecutor({
      functionName: s.function,
      region: s.region ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION,
      endpoint: env.AWS_ENDPOINT_URL_LAMBDA || env.AWS_ENDPOINT_URL || undefined,
      credentials: staticCredentials(env),
      invokeTimeoutMs: int(s, 'invoke-timeout-ms', 1),
      ambiguousRetries: int(s, 'ambiguous-retries'),
    });
  }
  const storage = storageSettingsFromEnv({
    ...env,
    VALTHREE_BUCKET: s.bucket ?? '',
    VALTHREE_DATA_DIR: s['data-dir'],
    VALTHREE_KEY: s.key,
    VALTHREE_MAXMEMORY: s.maxmemory,
    VALTHREE_UNSAFE_STORAGE: bool(s, 'unsafe-storage') ? '1' : env.VALTHREE_UNSAFE_STORAGE,
    VALTHREE_CACHE: naive ? '0' : env.VALTHREE_CACHE,
    AWS_REGION: s.region ?? env.AWS_REGION,
  });
  const { store, options, checkStorage } = openStorage(storage);
  return new InProcessExecutor(store, options, checkStorage);
}

export function buildServer(s: Settings, executor: Executor, log: Logger = createLogger(s['log-level'])): ValthreeServer {
  if (!!s['tls-cert'] !== !!s['tls-key']) throw new UsageError('--tls-cert and --tls-key go together');
  const naive = bool(s, 'naive');
  const maxBulk = int(s, 'proto-max-bulk-len', 1);
  const maxValue = int(s, 'max-value-bytes', 1);
  return new ValthreeServer({
    host: s.host ?? '127.0.0.1',
    port: int(s, 'port'),
    tls: s['tls-cert'] && s['tls-key'] ? { cert: fs.readFileSync(s['tls-cert']), key: fs.readFileSync(s['tls-key']) } : undefined,
    requirepass: s.requirepass ?? null,
    maxclients: int(s, 'maxclients', 1),
    idleTimeoutSeconds: int(s, 'timeout'),
    drainMs: int(s, 'drain-ms'),
    maxDocumentBytes: int(s, 'maxmemory', 1),
    limits: {
      protocol: { maxBulkBytes: maxBulk, maxArrayLength: int(s, 'proto-max-array-len', 1), maxInlineBytes: int(s, 'proto-max-inline-len', 1) },
      maxPendingBytes: int(s, 'max-pending-bytes', 1),
      maxValueBytes: Math.min(maxValue, maxBulk),
      maxSubmitCommands: naive ? 1 : 1024,
      maxSubmitBytes: DEFAULT_BATCH_LIMITS.maxBytes,
    },
    batch: { ...DEFAULT_BATCH_LIMITS, groupCommit: !naive },
    executor,
    log,
  });
}
