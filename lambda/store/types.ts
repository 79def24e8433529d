/**
 * The storage interface: one object, read with its ETag, written only
 * conditionally. Implementations: S3 (AWS SDK) and a local file store.
 */

export type GetResult =
  | { status: 'absent' }
  | { status: 'found'; body: Buffer; etag: string }
  /** Answer to a conditional read whose ETag still matches (S3's 304). */
  | { status: 'not-modified' };

/** Exactly one of the two conditions; an unconditional write is never made. */
export type PutCondition = { ifMatch: string } | { ifNoneMatch: '*' };

export type PutResult =
  | { status: 'ok'; etag: string }
  /** The condition failed: someone else wrote (412, 409, 404 on If-Match). */
  | { status: 'conflict'; detail: string }
  /** The write may or may not have landed (5xx, timeout, SDK retry, reset). */
  | { status: 'unknown'; detail: string };

export interface ObjectStore {
  /** For logs and INFO: "s3://bucket/prefix" or "file:///dir". */
  readonly description: string;
  /**
   * True when this process is the only one that writes the store (the file
   * store, by its lock): the commit window then stays in memory instead of
   * in the document (lambda/local-windows.ts), and no write's outcome is
   * ever unknown.
   */
  readonly soleWriter?: boolean;
  get(key: string, opts?: { ifNoneMatch?: string }): Promise<GetResult>;
  put(key: string, body: Buffer, cond: PutCondition): Promise<PutResult>;
  delete(key: string): Promise<void>;
  /**
   * Creates the immutable page `name` beside the document `docKey`
   * (layout.ts §4) with If-None-Match: *, so a page is never overwritten.
   * Optional: a store without pages cannot hold a paged database, and says
   * so at the first page it is asked for (pagesOf).
   */
  putPage?(docKey: string, name: string, bytes: Buffer): Promise<PagePutResult>;
  /** The page's bytes as stored (the caller checks them: codec.ts's decodePage); PageMissingError when there is none. */
  getPage?(docKey: string, name: string): Promise<Buffer>;
  close?(): void;
  /**
   * The store's clock as its last response told it (S3's `Date` header: one
   * second resolution), or undefined when the store has none of its own (the
   * local file store shares this machine's clock).
   */
  serverClock?(): ServerClock | undefined;
}

export type PagePutResult =
  | { status: 'ok' }
  /** An object of that name exists (If-None-Match: * refused): nothing was written by this request. */
  | { status: 'exists'; detail: string }
  /** The upload may or may not have landed: the fold gives up, and the page, if any, is an orphan for the GC. */
  | { status: 'unknown'; detail: string };

/** The page half of a store, for what reads or writes pages. */
export type PageStore = Required<Pick<ObjectStore, 'putPage' | 'getPage'>>;

/** The store's pages; a StoreError (a definite refusal, nothing written) when it keeps none. */
export function pagesOf(store: ObjectStore): PageStore {
  const { putPage, getPage } = store;
  if (!putPage || !getPage) throw new StoreError(`${store.description} keeps no pages: it cannot hold a paged db.json (format 4)`);
  return { putPage: putPage.bind(store), getPage: getPage.bind(store) };
}

export interface ServerClock {
  /** The `Date` of the last response (Unix ms, whole seconds). */
  date: number;
  /** performance.now() when that response arrived: with it, the server's time now is at least date + elapsed. */
  receivedAt: number;
}

/** A definite refusal by the store (access denied, bad bucket ...): nothing was written. */
export class StoreError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}
