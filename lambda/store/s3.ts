/**
 * The document in S3 (or an S3-compatible store), with @aws-sdk/client-s3.
 *
 * The SDK retries 5xx, throttling and timeouts by itself. That is fine for a
 * read and dangerous for a conditional write: a PUT that landed but answered
 * 500 would be retried, fail with 412 against its own write, and look like a
 * conflict. So writes go through a client with maxAttempts 1, and every 5xx,
 * timeout or network error on a write is reported as "unknown", never as
 * "someone else wrote"; the handler then re-reads and checks its commit id.
 */
import { S3Client, GetObjectCommand, PutObjectCommand, DeleteObjectCommand, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { PageMissingError } from '../pages/codec';
import { pageKey } from '../pages/name';
import { describeSdkError, type SdkError } from './sdk-error';
import { StoreError, type GetResult, type ObjectStore, type PagePutResult, type PutCondition, type PutResult, type ServerClock } from './types';

export interface S3StoreOptions {
  bucket: string;
  region?: string;
  /** Custom endpoint (MinIO, Ceph, LocalStack, the test emulator). AWS_ENDPOINT_URL is honoured too. */
  endpoint?: string;
  /** Path-style addressing; on by default whenever a custom endpoint is used. */
  forcePathStyle?: boolean;
  /** Per-request socket timeout, in ms (must stay below the Lambda timeout). */
  requestTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How If-Match carries the ETag: AWS wants it quoted, Ceph RGW 16 unquoted. */
  etagForm?: 'quoted' | 'unquoted';
  maxSockets?: number;
  credentials?: S3ClientConfig['credentials'];
}

/** A middleware as S3Client's stack takes it (typed from the client, not from a transitive package). */
type ClockMiddleware = Extract<Parameters<S3Client['middlewareStack']['add']>[0], (next: never, ctx: never) => unknown>;

export class S3Store implements ObjectStore {
  readonly description: string;
  etagForm: 'quoted' | 'unquoted';
  private readonly reader: S3Client;
  private readonly writer: S3Client;

  constructor(private readonly opts: S3StoreOptions) {
    const endpoint = opts.endpoint ?? process.env.AWS_ENDPOINT_URL_S3 ?? process.env.AWS_ENDPOINT_URL;
    const base: S3ClientConfig = {
      region: opts.region ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      endpoint,
      forcePathStyle: opts.forcePathStyle ?? endpoint !== undefined,
      credentials: opts.credentials,
      // Checksums on every request cost CPU on a large document and break some
      // S3-compatible stores (aws-chunked); TLS and S3's own MD5 suffice.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      requestHandler: new NodeHttpHandler({
        requestTimeout: opts.requestTimeoutMs ?? 3000,
        connectionTimeout: opts.connectTimeoutMs ?? 1000,
        throwOnRequestTimeout: true,
        httpAgent: { keepAlive: true, maxSockets: opts.maxSockets ?? 256 },
        httpsAgent: { keepAlive: true, maxSockets: opts.maxSockets ?? 256 },
      }),
    };
    // Reads are idempotent: let the SDK retry them. Writes are not: never.
    this.reader = new S3Client({ ...base, maxAttempts: 3 });
    this.writer = new S3Client({ ...base, maxAttempts: 1 });
    for (const c of [this.reader, this.writer]) c.middlewareStack.add(this.watchClock(), { step: 'deserialize', name: 'valthreeServerClock' });
    this.etagForm = opts.etagForm ?? 'quoted';
    this.description = `s3://${opts.bucket}${endpoint ? ` at ${endpoint}` : ''}`;
  }

  private lastClock: ServerClock | undefined;

  serverClock(): ServerClock | undefined {
    return this.lastClock;
  }

  /** Remembers every response's `Date` (errors and 304s included): the bound on this machine's clock skew. */
  private watchClock(): ClockMiddleware {
    return (next) => async (args) => {
      const note = (headers: Record<string, string> | undefined) => {
        const date = headers?.date ? Date.parse(headers.date) : NaN;
        if (Number.isFinite(date)) this.lastClock = { date, receivedAt: performance.now() };
      };
      try {
        const out = await next(args);
        note((out.response as { headers?: Record<string, string> }).headers);
        return out;
      } catch (e) {
        note((e as { $response?: { headers?: Record<string, string> } }).$response?.headers);
        throw e;
      }
    };
  }

  async get(key: string, o?: { ifNoneMatch?: string }): Promise<GetResult> {
    try {
      const res = await this.reader.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key, IfNoneMatch: o?.ifNoneMatch }));
      const body = Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
      if (!res.ETag) throw new StoreError(`GetObject ${key}: no ETag in the response`);
      return { status: 'found', body, etag: res.ETag };
    } catch (e) {
      const err = e as SdkError;
      const status = err.$metadata?.httpStatusCode;
      if (status === 304) return { status: 'not-modified' };
      // A missing bucket is a 404 too, but it is a misconfiguration, not "no document yet".
      if (err.name === 'NoSuchBucket') throw new StoreError(`GetObject ${key} failed: ${describeSdkError(err)}`, err.name);
      if (err.name === 'NoSuchKey' || err.name === 'NotFound' || status === 404) return { status: 'absent' };
      if (e instanceof StoreError) throw e;
      throw new StoreError(`GetObject ${key} failed: ${describeSdkError(err)}`, err.name);
    }
  }

  async put(key: string, body: Buffer, cond: PutCondition): Promise<PutResult> {
    const condition = 'ifMatch' in cond ? { IfMatch: this.ifMatchValue(cond.ifMatch) } : { IfNoneMatch: '*' };
    try {
      const res = await this.writer.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: body, ContentType: 'application/json', ...condition }));
      if (!res.ETag) return { status: 'unknown', detail: 'PutObject answered without an ETag' };
      return { status: 'ok', etag: res.ETag };
    } catch (e) {
      return classifyPutError(e as SdkError);
    }
  }

  /** A page is only ever created: If-None-Match: *, through the writer (no SDK retry could answer 412 to its own upload). */
  async putPage(docKey: string, name: string, bytes: Buffer): Promise<PagePutResult> {
    const key = pageKey(docKey, name);
    try {
      const res = await this.writer.send(new PutObjectCommand({ Bucket: this.opts.bucket, Key: key, Body: bytes, ContentType: 'application/octet-stream', IfNoneMatch: '*' }));
      return res.ETag ? { status: 'ok' } : { status: 'unknown', detail: `PutObject ${key} answered without an ETag` };
    } catch (e) {
      // A refusal (403 …) throws StoreError, as for the document; never 'ok' from an error.
      const r = classifyPutError(e as SdkError);
      const detail = `${key}: ${r.status === 'ok' ? 'no error' : r.detail}`;
      // 409 is S3's "a conflicting conditional operation is in progress": not
      // an existing object, and worth trying again (the caller does).
      const busy = (e as SdkError).$metadata?.httpStatusCode === 409 || (e as SdkError).name === 'ConditionalRequestConflict';
      return r.status === 'conflict' && !busy ? { status: 'exists', detail } : { status: 'unknown', detail };
    }
  }

  async getPage(docKey: string, name: string): Promise<Buffer> {
    const key = pageKey(docKey, name);
    try {
      const res = await this.reader.send(new GetObjectCommand({ Bucket: this.opts.bucket, Key: key }));
      return Buffer.from(await (res.Body as { transformToByteArray(): Promise<Uint8Array> }).transformToByteArray());
    } catch (e) {
      const err = e as SdkError;
      // A missing bucket is a misconfiguration, not a missing page.
      if (err.name !== 'NoSuchBucket' && (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404)) throw new PageMissingError(name);
      throw new StoreError(`GetObject ${key} failed: ${describeSdkError(err)}`, err.name);
    }
  }

  async delete(key: string): Promise<void> {
    try {
      await this.writer.send(new DeleteObjectCommand({ Bucket: this.opts.bucket, Key: key }));
    } catch (e) {
      throw new StoreError(`DeleteObject ${key} failed: ${describeSdkError(e as SdkError)}`, (e as SdkError).name);
    }
  }

  close(): void {
    this.reader.destroy();
    this.writer.destroy();
  }

  private ifMatchValue(etag: string): string {
    const bare = etag.replace(/^"(.*)"$/, '$1');
    return this.etagForm === 'quoted' ? `"${bare}"` : bare;
  }
}

/**
 * 412, 409 and 404 are definite: the condition failed, nothing was written.
 * 5xx, timeouts and network errors are not: the write may have landed.
 * Other 4xx (403, 400 ...) are refusals: nothing was written, retrying won't help.
 */
export function classifyPutError(err: SdkError): PutResult {
  const status = err.$metadata?.httpStatusCode;
  const detail = describeSdkError(err);
  if ((err.$metadata?.attempts ?? 1) > 1) return { status: 'unknown', detail: `${detail} (after an SDK retry)` };
  if (status === 412 || err.name === 'PreconditionFailed') return { status: 'conflict', detail };
  if (status === 409 || err.name === 'ConditionalRequestConflict') return { status: 'conflict', detail };
  if ((status === 404 && err.name !== 'NoSuchBucket') || err.name === 'NoSuchKey') return { status: 'conflict', detail };
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) {
    throw new StoreError(`PutObject refused: ${detail}`, err.name);
  }
  return { status: 'unknown', detail };
}
