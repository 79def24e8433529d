/**
 * An in-memory ObjectStore with S3's conditional semantics, for unit tests of
 * the handler and the safety check.
 *
 * Server side (what S3 does): quoted ETags (MD5 of the body, as S3 computes
 * them for a single-part PUT, so equal bodies get equal ETags), If-Match /
 * If-None-Match: * checked atomically, If-Match on a missing key is a conflict
 * (AWS answers 404), GET with a matching If-None-Match is "not modified".
 * Deliberately broken servers can be modelled: one that ignores If-Match or
 * If-None-Match, or (like Ceph RGW 16) one that matches If-Match only against
 * the bare ETag.
 *
 * Client side: `etagForm`, like S3Store's, says how If-Match is sent (the
 * safety check switches it); undefined = as received.
 *
 * Faults are programmed per call with `onPut` / `onGet`: each queued fault
 * applies to exactly one upcoming call of that kind, in order.
 */
import { createHash } from 'node:crypto';
import { PageMissingError } from '../../lambda/pages/codec';
import { pageKey } from '../../lambda/pages/name';
import type { GetResult, ObjectStore, PagePutResult, PutCondition, PutResult } from '../../lambda/store/types';

export type PutFault =
  /** Another writer replaces the object just before this PUT is evaluated. */
  | { kind: 'concurrent-write'; write: (current: Buffer | undefined) => Buffer }
  /** The PUT is applied, but the caller cannot tell (lost response). */
  | { kind: 'unknown-applied' }
  /** The PUT is not applied, and the caller cannot tell (timeout before S3 got it). */
  | { kind: 'unknown-not-applied' }
  /** A definite refusal (e.g. 403), nothing written. */
  | { kind: 'throw'; error: Error };

export type GetFault = { kind: 'throw'; error: Error };

export interface MemoryStoreOptions {
  /** Which If-Match forms the server honours. AWS: the quoted ETag. Ceph RGW 16: bare only. */
  ifMatchAccepts?: 'quoted' | 'unquoted' | 'both';
  /** A broken server that applies every If-Match write. */
  ignoreIfMatch?: boolean;
  /** A broken server that applies every If-None-Match: * write. */
  ignoreIfNoneMatch?: boolean;
}

export interface StoreCall {
  op: 'get' | 'put' | 'delete';
  key: string;
  ifNoneMatch?: string;
  ifMatch?: string;
  /** The outcome as the caller saw it. */
  result: string;
}

interface StoredObject {
  body: Buffer;
  etag: string;
}

export class MemoryStore implements ObjectStore {
  readonly description = 'memory://test';
  /** Client-side ETag form for If-Match (S3Store has the same field). */
  etagForm?: 'quoted' | 'unquoted';
  readonly objects = new Map<string, StoredObject>();
  readonly calls: StoreCall[] = [];
  private readonly putFaults: PutFault[] = [];
  private readonly getFaults: GetFault[] = [];

  constructor(private readonly opts: MemoryStoreOptions = {}, etagForm?: 'quoted' | 'unquoted') {
    this.etagForm = etagForm;
  }

  onPut(...faults: PutFault[]): this {
    this.putFaults.push(...faults);
    return this;
  }

  onGet(...faults: GetFault[]): this {
    this.getFaults.push(...faults);
    return this;
  }

  /** Faults still queued (a test can assert they were all consumed). */
  get pendingFaults(): number {
    return this.putFaults.length + this.getFaults.length;
  }

  count(op: StoreCall['op'], result?: string): number {
    return this.calls.filter((c) => c.op === op && (result === undefined || c.result === result)).length;
  }

  body(key: string): Buffer | undefined {
    return this.objects.get(key)?.body;
  }

  etag(key: string): string | undefined {
    return this.objects.get(key)?.etag;
  }

  /** Writes directly, as another client would (no condition, no call recorded). */
  seed(key: string, body: Buffer | string): string {
    const b = Buffer.from(body);
    const etag = etagOf(b);
    this.objects.set(key, { body: b, etag });
    return etag;
  }

  async get(key: string, o?: { ifNoneMatch?: string }): Promise<GetResult> {
    const call: StoreCall = { op: 'get', key, ifNoneMatch: o?.ifNoneMatch, result: '' };
    this.calls.push(call);
    const fault = this.getFaults.shift();
    if (fault) {
      call.result = 'threw';
      throw fault.error;
    }
    const cur = this.objects.get(key);
    if (!cur) return (call.result = 'absent'), { status: 'absent' };
    if (o?.ifNoneMatch !== undefined && (o.ifNoneMatch === cur.etag || o.ifNoneMatch === '*')) {
      call.result = 'not-modified';
      return { status: 'not-modified' };
    }
    call.result = 'found';
    // A copy: the caller must not be able to change what is "in S3".
    return { status: 'found', body: Buffer.from(cur.body), etag: cur.etag };
  }

  async put(key: string, body: Buffer, cond: PutCondition): Promise<PutResult> {
    const ifMatch = 'ifMatch' in cond ? this.clientForm(cond.ifMatch) : undefined;
    const call: StoreCall = { op: 'put', key, ...(ifMatch !== undefined ? { ifMatch } : { ifNoneMatch: '*' }), result: '' };
    this.calls.push(call);
    const fault = this.putFaults.shift();
    if (fault?.kind === 'throw') {
      call.result = 'threw';
      throw fault.error;
    }
    if (fault?.kind === 'unknown-not-applied') {
      call.result = 'unknown';
      return { status: 'unknown', detail: 'injected: request timed out before the server got it' };
    }
    if (fault?.kind === 'concurrent-write') this.seed(key, fault.write(this.objects.get(key)?.body));

    const cur = this.objects.get(key);
    const pass = ifMatch !== undefined ? this.opts.ignoreIfMatch || (cur !== undefined && this.matches(ifMatch, cur.etag)) : this.opts.ignoreIfNoneMatch || cur === undefined;
    if (!pass) {
      call.result = 'conflict';
      return { status: 'conflict', detail: cur ? 'PreconditionFailed (HTTP 412)' : 'NoSuchKey (HTTP 404)' };
    }
    const etag = this.seed(key, body);
    if (fault?.kind === 'unknown-applied') {
      call.result = 'unknown';
      return { status: 'unknown', detail: 'injected: applied, then the response was lost' };
    }
    call.result = 'ok';
    return { status: 'ok', etag };
  }

  async delete(key: string): Promise<void> {
    this.calls.push({ op: 'delete', key, result: 'ok' });
    this.objects.delete(key);
  }

  /** Pages live among the objects under their keys: created once, as S3 does with If-None-Match: *. */
  async putPage(docKey: string, name: string, bytes: Buffer): Promise<PagePutResult> {
    const key = pageKey(docKey, name);
    if (this.objects.has(key)) return { status: 'exists', detail: `${key} exists` };
    this.objects.set(key, { body: Buffer.from(bytes), etag: etagOf(bytes) });
    return { status: 'ok' };
  }

  async getPage(docKey: string, name: string): Promise<Buffer> {
    const o = this.objects.get(pageKey(docKey, name));
    if (!o) throw new PageMissingError(name);
    return o.body;
  }

  private clientForm(etag: string): string {
    const bare = etag.replace(/^"(.*)"$/, '$1');
    if (this.etagForm === 'unquoted') return bare;
    if (this.etagForm === 'quoted') return `"${bare}"`;
    return etag;
  }

  private matches(sent: string, etag: string): boolean {
    const bare = etag.replace(/^"(.*)"$/, '$1');
    const accepts = this.opts.ifMatchAccepts ?? 'quoted';
    return (accepts !== 'unquoted' && sent === etag) || (accepts !== 'quoted' && sent === bare);
  }
}

export function etagOf(body: Buffer): string {
  return `"${createHash('md5').update(body).digest('hex')}"`;
}
