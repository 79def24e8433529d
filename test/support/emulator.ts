/**
 * The test emulator: one HTTP endpoint on 127.0.0.1, like LocalStack's, that
 * real @aws-sdk clients talk to.
 *
 *   S3 (path-style /{bucket}/{key})   → emulator-s3.ts
 *   Lambda Invoke (/2015-03-31/...)   → emulator-lambda.ts (the real handler)
 *   faults: decide(point) → action    → faults.ts
 *   counters and injected latency     → emulator-stats.ts
 *
 *   const emu = await startEmulator();
 *   new S3Client(emu.clientConfig()); new LambdaClient(emu.clientConfig());
 *   emu.faults.set('all'); emu.setLatency({ s3GetMs: 15, s3PutMs: 30 });
 *   await emu.close();
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { HttpError, Timers, requestId, sendS3Error } from './emulator-http';
import { LambdaBackend, functionNameOf, sendLambdaError, type FunctionOptions } from './emulator-lambda';
import { S3Backend, type S3Profile } from './emulator-s3';
import { EmulatorStats, LatencyModel, type Latency } from './emulator-stats';
import { Faults, prng, type FaultConfig } from './faults';

export type { FunctionOptions } from './emulator-lambda';
export type { Latency } from './emulator-stats';
export type { S3Profile } from './emulator-s3';

export interface EmulatorOptions {
  /** Default 0: any free port. */
  port?: number;
  host?: string;
  /** Created at start (default "valthree"). */
  bucket?: string;
  /** The Lambda function registered at start (default "valthree"); options below. */
  functionName?: string;
  function?: FunctionOptions;
  /** 'aws' (default): AWS's documented behaviour; 'rgw16': Ceph RGW 16's quirks. */
  profile?: S3Profile;
  latency?: Partial<Latency>;
  /** A spec ("all", "s3_500,lambda_429=0.1", "ignore-preconditions") or a config. */
  faults?: FaultConfig | string;
  /** Seed for jitter (faults have their own seed in their config). */
  seed?: number;
  /** Largest object accepted, in bytes (default 64 MiB). */
  maxObjectBytes?: number;
  /**
   * Where the functions' S3 requests go. Default: this emulator's own S3. An
   * external store (e.g. a Ceph RGW) runs the real handler on real S3 while
   * Invoke stays emulated; S3 faults then do not apply to the handler.
   */
  functionS3?: FunctionS3;
}

export interface FunctionS3 {
  endpoint: string;
  bucket: string;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
}

export interface Emulator {
  /** http://127.0.0.1:port — S3 and Lambda alike. */
  endpoint: string;
  port: number;
  region: string;
  credentials: { accessKeyId: string; secretAccessKey: string };
  bucket: string;
  functionName: string;
  stats: EmulatorStats;
  faults: Faults;
  s3: S3Backend;
  setLatency(l: Partial<Latency>): void;
  readonly latency: Latency;
  /** Total delay (ms) the latency model has added to requests so far. */
  readonly injectedLatencyMs: number;
  /** Register (or replace) a function running the real handler with these options. */
  addFunction(name: string, o?: FunctionOptions): void;
  /** Config for S3Client / LambdaClient pointed at the emulator. */
  clientConfig(): { endpoint: string; region: string; forcePathStyle: true; credentials: { accessKeyId: string; secretAccessKey: string } };
  close(): Promise<void>;
}

const INVOKE_PATH = /^\/2015-03-31\/functions\/([^/]+)\/invocations\/?$/;

export async function startEmulator(opts: EmulatorOptions = {}): Promise<Emulator> {
  const timers = new Timers();
  const stats = new EmulatorStats();
  const faults = new Faults(opts.faults ?? {});
  const latency = new LatencyModel(timers, prng(opts.seed ?? 7));
  latency.set(opts.latency ?? {});
  const s3 = new S3Backend({ stats, faults, latency, timers, profile: opts.profile ?? 'aws', maxObjectBytes: opts.maxObjectBytes ?? 64 * 1024 * 1024 });
  const bucket = opts.bucket ?? 'valthree';
  s3.createBucket(bucket);
  const region = 'us-east-1';
  const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    void route(req, res);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.once('close', () => sockets.delete(s));
  });
  server.keepAliveTimeout = 60_000;

  let lambda: LambdaBackend | undefined;
  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const id = requestId();
    const url = new URL(req.url ?? '/', 'http://emulator');
    const invoke = INVOKE_PATH.exec(url.pathname);
    res.setHeader(invoke ? 'x-amzn-requestid' : 'x-amz-request-id', id);
    if (!invoke) res.setHeader('x-amz-id-2', id);
    try {
      if (invoke) await (lambda as LambdaBackend).handle(req, res, functionNameOf(invoke[1]));
      else await s3.handle(req, res, url);
    } catch (e) {
      const err = e instanceof HttpError ? e : new HttpError(500, invoke ? 'ServiceException' : 'InternalError', `emulator bug: ${(e as Error).stack ?? String(e)}`);
      if (invoke) sendLambdaError(res, err);
      else sendS3Error(req, res, err, url.pathname);
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const endpoint = `http://${opts.host ?? '127.0.0.1'}:${port}`;
  lambda = new LambdaBackend({ stats, faults, latency, timers, s3: opts.functionS3 ?? { endpoint, bucket, region, credentials } });
  const functionName = opts.functionName ?? 'valthree';
  lambda.addFunction(functionName, opts.function);
  const backend = lambda;

  let closed: Promise<void> | undefined;
  return {
    endpoint,
    port,
    region,
    credentials,
    bucket,
    functionName,
    stats,
    faults,
    s3,
    setLatency: (l) => latency.set(l),
    get latency() {
      return { ...latency.current };
    },
    get injectedLatencyMs() {
      return latency.injectedMs;
    },
    addFunction: (name, o) => backend.addFunction(name, o),
    clientConfig: () => ({ endpoint, region, forcePathStyle: true, credentials: { ...credentials } }),
    close: () =>
      (closed ??= new Promise<void>((resolve) => {
        // Pending delays and hangs end now, every socket goes, the handler's
        // S3 clients close: nothing keeps the test process alive.
        timers.close();
        backend.close();
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      })),
  };
}
