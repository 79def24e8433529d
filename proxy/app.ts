/**
 * Wires a proxy from its settings: the executor (Lambda, or the handler
 * in-process over S3 or the file store), the limits, and the server.
 *
 * Everything valthree defines comes from ProxySettings, parsed once; only the
 * AWS SDK's own conventions (keys, AWS_DEFAULT_REGION, AWS_ENDPOINT_URL*) are
 * read from the environment here, as the Lambda reads them from its own.
 */
import * as fs from 'node:fs';
import { awsEnvironment, openStorage, type StorageSettings } from '../lambda/config';
import { DEFAULT_BATCH_LIMITS } from './batcher';
import type { ProxySettings } from './config';
import { ClusterNode } from './cluster/node';
import { InProcessExecutor } from './executors/in-process';
import type { Executor } from './executors/types';
import { createLogger, type Logger } from './log';
import { ValthreeServer } from './server';

export function buildExecutor(s: ProxySettings, env: NodeJS.ProcessEnv = process.env): Executor {
  if (s.function) {
    const aws = awsEnvironment(env);
    // Loaded only when used: the AWS SDK's Lambda client (see openStorage for S3's).
    const { LambdaExecutor } = require('./executors/lambda') as typeof import('./executors/lambda');
    return new LambdaExecutor({
      functionName: s.function,
      region: s.region ?? aws.region,
      endpoint: env.AWS_ENDPOINT_URL_LAMBDA || env.AWS_ENDPOINT_URL || undefined,
      credentials: aws.credentials,
      invokeTimeoutMs: s.invokeTimeoutMs,
      ambiguousRetries: s.ambiguousRetries,
    });
  }
  const { store, options, checkStorage } = openStorage(storageSettings(s, env));
  return new InProcessExecutor(store, options, checkStorage);
}

/** The in-process handler's storage settings: the proxy's flags, with the AWS SDK's environment as the Lambda has it. */
export function storageSettings(s: ProxySettings, env: NodeJS.ProcessEnv = process.env): StorageSettings {
  const aws = awsEnvironment(env);
  return {
    bucket: s.bucket,
    dataDir: s.dataDir,
    key: s.key,
    region: s.region ?? aws.region,
    endpoint: s.s3Endpoint ?? aws.s3Endpoint,
    credentials: aws.credentials,
    s3TimeoutMs: s.s3TimeoutMs,
    etagForm: s.etagForm,
    maxDocumentBytes: s.maxmemory,
    unsafeStorage: s.unsafeStorage,
    // The original design kept no cache: --naive turns it off whatever --cache says.
    cache: s.cache && !s.naive,
    exactlyOnce: s.exactlyOnce,
    maxClockSkewMs: s.maxClockSkewMs,
    scriptTimeoutMs: s.scriptTimeoutMs,
    pageThreshold: s.pageThreshold,
    pageBytes: s.pageBytes,
  };
}

export function buildServer(s: ProxySettings, executor: Executor, log: Logger = createLogger(s.logLevel)): ValthreeServer {
  return new ValthreeServer({
    host: s.host,
    port: s.port,
    tls: s.tlsCert && s.tlsKey ? { cert: fs.readFileSync(s.tlsCert), key: fs.readFileSync(s.tlsKey) } : undefined,
    requirepass: s.requirepass ?? null,
    maxclients: s.maxclients,
    idleTimeoutSeconds: s.timeout,
    drainMs: s.drainMs,
    maxDocumentBytes: s.maxmemory,
    limits: {
      protocol: { maxBulkBytes: s.protoMaxBulkLen, maxArrayLength: s.protoMaxArrayLen, maxInlineBytes: s.protoMaxInlineLen },
      maxPendingBytes: s.maxPendingBytes,
      maxValueBytes: Math.min(s.maxValueBytes, s.protoMaxBulkLen),
      maxSubmitCommands: s.naive ? 1 : 1024,
      maxSubmitBytes: DEFAULT_BATCH_LIMITS.maxBytes,
      unsafeSplitTransactions: s.unsafeSplitTransactions,
    },
    batch: { ...DEFAULT_BATCH_LIMITS, groupCommit: !s.naive },
    blockPollMs: s.blockPollMs,
    executor,
    log,
  });
}

/** With --internal-port: the proxy's part in a cluster (forward writes to the lease holder); else null. */
export function buildCluster(s: ProxySettings, base: Executor, log: Logger): ClusterNode | null {
  if (s.internalPort === 0) return null;
  return new ClusterNode(
    base,
    {
      internalPort: s.internalPort,
      host: s.host,
      advertiseHost: s.advertiseHost,
      leaseMs: s.leaseMs,
      forwardDeadlineMs: s.forwardDeadlineMs,
      forwardSkewMs: s.forwardSkewMs,
      secret: s.requirepass ?? null,
      tls: s.tlsCert && s.tlsKey ? { cert: fs.readFileSync(s.tlsCert), key: fs.readFileSync(s.tlsKey) } : undefined,
    },
    log,
  );
}
