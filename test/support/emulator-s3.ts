/**
 * The emulator's S3: path-style buckets and objects in memory, with S3's
 * conditional reads and writes, quoted MD5 ETags and XML errors.
 *
 * Conditional writes are atomic: the check and the update run in one
 * synchronous block (no await between them), so concurrent writers with the
 * same If-Match get exactly one winner, as on S3.
 *
 * Profiles: 'aws' follows AWS's documented behaviour (If-Match takes the
 * quoted ETag; If-Match on a missing key → 404 NoSuchKey). 'rgw16' mimics
 * Ceph RGW 16 (only the bare ETag matches; missing key → 412; a writer that
 * loses to a write landed within the last few ms gets 500), so that the
 * handler's quirk handling can be tested with faults as well.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HttpError, md5Hex, readObjectBody, sendS3Error, xmlEscape, type Timers } from './emulator-http';
import type { EmulatorStats, LatencyModel } from './emulator-stats';
import type { FaultAction, FaultInjector, S3Op } from './faults';

export type S3Profile = 'aws' | 'rgw16';

export interface S3Object {
  body: Buffer;
  /** Quoted, as S3 sends it. */
  etag: string;
  contentType: string;
  lastModified: Date;
  /** performance.now() of the write, for the rgw16 race-loser quirk. */
  writtenAt: number;
}

export interface S3Deps {
  stats: EmulatorStats;
  faults: FaultInjector;
  latency: LatencyModel;
  timers: Timers;
  profile: S3Profile;
  maxObjectBytes: number;
}

/** How recent a competing write must be for rgw16 to answer a loser 500. */
const RGW_RACE_WINDOW_MS = 5;
/** A page object of any document (lambda/pages/name.ts's `<key>.pages/<name>`): counted apart for the benchmark. */
const isPageKey = (key: string): boolean => key.includes('.pages/');

export class S3Backend {
  readonly buckets = new Map<string, Map<string, S3Object>>();

  constructor(private readonly d: S3Deps) {}

  createBucket(name: string): void {
    if (!this.buckets.has(name)) this.buckets.set(name, new Map());
  }

  async handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const path = url.pathname;
    const slash = path.indexOf('/', 1);
    const bucket = decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash));
    const key = slash < 0 ? '' : decodeURIComponent(path.slice(slash + 1));
    const resource = path;
    try {
      const unsupported = [...url.searchParams.keys()].find((k) => !['x-id', 'list-type', 'prefix', 'max-keys', 'continuation-token', 'start-after', 'delimiter', 'encoding-type', 'fetch-owner'].includes(k));
      if (unsupported) throw new HttpError(501, 'NotImplemented', `The emulator does not implement the ?${unsupported} subresource.`);
      if (!bucket) {
        if (req.method !== 'GET') throw new HttpError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
        return this.listBuckets(res);
      }
      if (!key) return await this.bucketOp(req, res, bucket, url);
      switch (req.method) {
        case 'GET':
        case 'HEAD':
          return await this.getObject(req, res, bucket, key);
        case 'PUT':
          return await this.putObject(req, res, bucket, key);
        case 'DELETE':
          return await this.deleteObject(req, res, bucket, key);
        default:
          throw new HttpError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      }
    } catch (e) {
      if (!(e instanceof HttpError)) throw e;
      this.count(req, e.status);
      sendS3Error(req, res, e, resource);
    }
  }

  // ---- objects ---------------------------------------------------------------

  private async getObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string): Promise<void> {
    const head = req.method === 'HEAD';
    if (head) this.d.stats.s3Heads++;
    else this.d.stats.s3Gets++;
    if (req.headers.range !== undefined) throw new HttpError(501, 'NotImplemented', 'The emulator does not implement Range requests.');
    const op: S3Op = head ? 'head' : 'get';
    const fixed = this.d.latency.current.s3GetMs;
    if (!(await this.preamble(res, { op, bucket, key, conditional: false }))) return;
    await this.d.latency.before(fixed);
    const obj = this.objects(bucket).get(key);
    if (!obj) throw new HttpError(404, 'NoSuchKey', 'The specified key does not exist.');
    const ifMatch = header(req, 'if-match');
    const ifNoneMatch = header(req, 'if-none-match');
    if (ifMatch !== undefined && !anyMatches(ifMatch, obj.etag, 'lenient')) throw new HttpError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    const notModified = ifNoneMatch !== undefined && anyMatches(ifNoneMatch, obj.etag, 'lenient');
    const bytes = notModified || head ? 0 : obj.body.length;
    await this.d.latency.after(fixed, bytes);
    if (res.destroyed) return;
    res.setHeader('etag', obj.etag);
    res.setHeader('last-modified', obj.lastModified.toUTCString());
    if (notModified) {
      this.d.stats.s3NotModified++;
      res.statusCode = 304;
      res.end();
      return;
    }
    res.setHeader('content-type', obj.contentType);
    res.setHeader('content-length', obj.body.length);
    res.setHeader('accept-ranges', 'bytes');
    this.d.stats.s3BytesOut += bytes;
    res.end(head ? undefined : obj.body);
  }

  private async putObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string): Promise<void> {
    this.d.stats.s3Puts++;
    if (req.headers['x-amz-copy-source'] !== undefined) throw new HttpError(501, 'NotImplemented', 'The emulator does not implement CopyObject.');
    const ifMatch = header(req, 'if-match');
    const ifNoneMatch = header(req, 'if-none-match');
    const action = this.d.faults.decide({ service: 's3', op: 'put', bucket, key, conditional: ifMatch !== undefined || ifNoneMatch !== undefined });
    // The body is read in full before any answer, so the connection stays usable.
    const body = await readObjectBody(req, this.d.maxObjectBytes);
    this.d.stats.s3BytesIn += body.length;
    if (isPageKey(key)) {
      this.d.stats.s3PagePuts++;
      this.d.stats.s3PageBytesIn += body.length;
    }
    if (!(await this.carryOut(res, action))) return;
    const fixed = this.d.latency.current.s3PutMs;
    await this.d.latency.before(fixed);
    if (res.destroyed) return; // the client gave up before the write reached "S3"
    const etag = this.applyPut(bucket, key, body, String(req.headers['content-type'] ?? 'application/octet-stream'), ifMatch, ifNoneMatch);
    await this.d.latency.after(fixed, body.length);
    if (action.type === 'lose-response') return this.lose(req, res, action.how);
    res.setHeader('etag', etag);
    res.setHeader('content-length', 0);
    res.end();
  }

  /** Check and write in one synchronous step: this is the atomicity S3 gives. */
  private applyPut(bucket: string, key: string, body: Buffer, contentType: string, ifMatch?: string, ifNoneMatch?: string): string {
    const objects = this.objects(bucket);
    const cur = objects.get(key);
    if (!this.d.faults.ignorePreconditions) {
      if (ifMatch !== undefined) {
        if (!cur) {
          if (this.d.profile === 'rgw16') throw new HttpError(412, 'PreconditionFailed', '');
          throw new HttpError(404, 'NoSuchKey', 'The specified key does not exist.');
        }
        if (!anyMatches(ifMatch, cur.etag, this.d.profile === 'rgw16' ? 'bare' : 'quoted')) {
          if (this.d.profile === 'rgw16' && performance.now() - cur.writtenAt < RGW_RACE_WINDOW_MS) {
            throw new HttpError(500, 'UnknownError', '');
          }
          throw new HttpError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
        }
      }
      if (ifNoneMatch !== undefined) {
        if (ifNoneMatch.trim() !== '*') throw new HttpError(501, 'NotImplemented', 'A header you provided implies functionality that is not implemented (If-None-Match takes only *).');
        if (cur) throw new HttpError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
      }
    }
    const etag = `"${md5Hex(body)}"`;
    objects.set(key, { body, etag, contentType, lastModified: new Date(), writtenAt: performance.now() });
    this.d.stats.s3PutsApplied++;
    if (isPageKey(key)) this.d.stats.s3PagePutsApplied++;
    return etag;
  }

  private async deleteObject(req: IncomingMessage, res: ServerResponse, bucket: string, key: string): Promise<void> {
    this.d.stats.s3Deletes++;
    const ifMatch = header(req, 'if-match');
    if (!(await this.preamble(res, { op: 'delete', bucket, key, conditional: ifMatch !== undefined }))) return;
    const fixed = this.d.latency.current.s3GetMs;
    await this.d.latency.before(fixed);
    const objects = this.objects(bucket);
    const cur = objects.get(key);
    if (ifMatch !== undefined && !this.d.faults.ignorePreconditions && this.d.profile === 'aws') {
      if (!cur) throw new HttpError(404, 'NoSuchKey', 'The specified key does not exist.');
      if (!anyMatches(ifMatch, cur.etag, 'quoted')) throw new HttpError(412, 'PreconditionFailed', 'At least one of the pre-conditions you specified did not hold');
    }
    objects.delete(key);
    await this.d.latency.after(fixed, 0);
    res.statusCode = 204;
    res.end();
  }

  // ---- buckets ---------------------------------------------------------------

  private async bucketOp(req: IncomingMessage, res: ServerResponse, bucket: string, url: URL): Promise<void> {
    const exists = this.buckets.has(bucket);
    switch (req.method) {
      case 'PUT':
        await drain(req);
        if (exists) throw new HttpError(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
        this.createBucket(bucket);
        res.setHeader('location', `/${bucket}`);
        res.end();
        return;
      case 'HEAD':
        res.statusCode = exists ? 200 : 404;
        res.end();
        return;
      case 'DELETE':
        if (!exists) throw new HttpError(404, 'NoSuchBucket', 'The specified bucket does not exist');
        if (this.objects(bucket).size > 0) throw new HttpError(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty');
        this.buckets.delete(bucket);
        res.statusCode = 204;
        res.end();
        return;
      case 'GET':
        return this.list(req, res, bucket, url);
      default:
        throw new HttpError(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }
  }

  /** ListObjectsV2 with prefix, delimiter, max-keys and continuation. */
  private async list(_req: IncomingMessage, res: ServerResponse, bucket: string, url: URL): Promise<void> {
    this.d.stats.s3Lists++;
    if (!(await this.preamble(res, { op: 'list', bucket, key: '', conditional: false }))) return;
    const objects = this.objects(bucket);
    const q = url.searchParams;
    const prefix = q.get('prefix') ?? '';
    const delimiter = q.get('delimiter') ?? '';
    const maxKeys = Math.max(0, Math.min(1000, Number(q.get('max-keys') ?? 1000) || 0));
    const token = q.get('continuation-token');
    const after = token ? Buffer.from(token, 'base64url').toString('utf8') : (q.get('start-after') ?? '');
    const keys = [...objects.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const contents: string[] = [];
    const prefixes = new Set<string>();
    let last = '';
    let truncated = false;
    for (const k of keys) {
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true;
        break;
      }
      const rest = k.slice(prefix.length);
      const cut = delimiter ? rest.indexOf(delimiter) : -1;
      if (cut >= 0) prefixes.add(prefix + rest.slice(0, cut + delimiter.length));
      else {
        const o = objects.get(k) as S3Object;
        contents.push(`<Contents><Key>${xmlEscape(k)}</Key><LastModified>${o.lastModified.toISOString()}</LastModified><ETag>${xmlEscape(o.etag)}</ETag><Size>${o.body.length}</Size><StorageClass>STANDARD</StorageClass></Contents>`);
      }
      last = k;
    }
    const body = Buffer.from(
      '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
        `<Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${contents.length + prefixes.size}</KeyCount>` +
        `<MaxKeys>${maxKeys}</MaxKeys>${delimiter ? `<Delimiter>${xmlEscape(delimiter)}</Delimiter>` : ''}<IsTruncated>${truncated}</IsTruncated>` +
        contents.join('') +
        [...prefixes].map((p) => `<CommonPrefixes><Prefix>${xmlEscape(p)}</Prefix></CommonPrefixes>`).join('') +
        (truncated ? `<NextContinuationToken>${Buffer.from(last).toString('base64url')}</NextContinuationToken>` : '') +
        '</ListBucketResult>',
    );
    this.d.stats.s3BytesOut += body.length;
    res.setHeader('content-type', 'application/xml');
    res.end(body);
  }

  private listBuckets(res: ServerResponse): void {
    const items = [...this.buckets.keys()].sort().map((b) => `<Bucket><Name>${xmlEscape(b)}</Name><CreationDate>2024-01-01T00:00:00.000Z</CreationDate></Bucket>`);
    res.setHeader('content-type', 'application/xml');
    res.end(`<?xml version="1.0" encoding="UTF-8"?>\n<ListAllMyBucketsResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Owner><ID>emulator</ID></Owner><Buckets>${items.join('')}</Buckets></ListAllMyBucketsResult>`);
  }

  // ---- helpers ---------------------------------------------------------------

  private objects(bucket: string): Map<string, S3Object> {
    const b = this.buckets.get(bucket);
    if (!b) throw new HttpError(404, 'NoSuchBucket', 'The specified bucket does not exist');
    return b;
  }

  /** Draw and carry out the fault for a request without a body to read first. */
  private async preamble(res: ServerResponse, p: { op: S3Op; bucket: string; key: string; conditional: boolean }): Promise<boolean> {
    return this.carryOut(res, this.d.faults.decide({ service: 's3', ...p }));
  }

  /** false: the request was answered (or dropped) by the fault and is done. */
  private async carryOut(res: ServerResponse, a: FaultAction): Promise<boolean> {
    switch (a.type) {
      case 'error':
        throw new HttpError(a.status, a.code, a.message);
      case 'hang':
        await this.hang(res);
        return false;
      case 'delay':
        await this.d.timers.sleep(a.ms);
        return !res.destroyed;
      default:
        return true;
    }
  }

  private async lose(req: IncomingMessage, res: ServerResponse, how: 'reset' | 'hang' | 'error500'): Promise<void> {
    if (how === 'reset') res.socket?.destroy();
    else if (how === 'hang') await this.hang(res);
    else {
      this.d.stats.s3Errors5xx++;
      res.statusCode = 500;
      sendS3Error(req, res, new HttpError(500, 'InternalError', 'We encountered an internal error. Please try again.'), '');
    }
  }

  /** Hold the request until the client gives up, the cap passes, or the emulator closes. */
  private async hang(res: ServerResponse): Promise<void> {
    await Promise.race([this.d.timers.sleep(this.d.faults.hangMs), new Promise<void>((r) => res.once('close', () => r()))]);
    res.socket?.destroy();
  }

  private count(req: IncomingMessage, status: number): void {
    if (status >= 500) this.d.stats.s3Errors5xx++;
    if ((status === 412 || status === 409) && (req.method === 'PUT' || req.method === 'DELETE')) this.d.stats.s3Conflicts++;
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v.join(',') : v;
}

/**
 * Does an If-Match / If-None-Match list name this ETag? 'quoted': only the
 * exact quoted entity-tag (AWS, RFC 7232); 'bare': only the unquoted hex
 * (RGW 16 on writes); 'lenient': either (what both do on reads).
 */
function anyMatches(list: string, etag: string, form: 'quoted' | 'bare' | 'lenient'): boolean {
  const bare = etag.replace(/^"(.*)"$/, '$1');
  return list.split(',').some((raw) => {
    const t = raw.trim();
    if (t === '*') return true;
    if (form === 'quoted') return t === etag;
    if (form === 'bare') return t === bare;
    return t.replace(/^W\//, '').replace(/^"(.*)"$/, '$1') === bare;
  });
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req as AsyncIterable<Buffer>) void _;
}
