/**
 * The scheduled snapshot: a server-side copy of the document to
 * `snapshots/<ISO time>.json` (the bucket's lifecycle rule expires them).
 *
 * CopyObject is atomic at S3: the snapshot is exactly one committed version of
 * db.json, never a mix. The bucket policy guards only the document key, so a
 * copy *to* the snapshots/ prefix needs no conditional header; restoring is
 * the other direction: bin/restore.ts (lambda/restore.ts), a conditional PUT
 * of the snapshot root with the replaced root's window and retired pages.
 */
import { CopyObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { SdkError } from './store/sdk-error';

export interface SnapshotOptions {
  s3: Pick<S3Client, 'send'>;
  bucket: string;
  key: string;
  prefix: string;
  now?: () => Date;
}

export type SnapshotResult = { status: 'copied'; snapshotKey: string; etag?: string } | { status: 'no-document' };

export function snapshotKey(prefix: string, at: Date): string {
  return `${prefix}${at.toISOString()}.json`;
}

export async function takeSnapshot(o: SnapshotOptions): Promise<SnapshotResult> {
  const target = snapshotKey(o.prefix, (o.now ?? (() => new Date()))());
  try {
    const res = await o.s3.send(
      new CopyObjectCommand({
        Bucket: o.bucket,
        Key: target,
        // CopySource is "bucket/key", URL-encoded (keys may hold any character).
        CopySource: `${o.bucket}/${encodeURIComponent(o.key).replace(/%2F/g, '/')}`,
        MetadataDirective: 'COPY',
      }),
    );
    return { status: 'copied', snapshotKey: target, etag: res.CopyObjectResult?.ETag };
  } catch (e) {
    const err = e as SdkError;
    // A fresh deployment has no document until the first write: nothing to copy.
    if (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404) return { status: 'no-document' };
    throw e;
  }
}

let client: S3Client | undefined;

/** Lambda entry (EventBridge schedule). Throws on failure so the run counts as an error and is retried. */
export async function handler(): Promise<SnapshotResult> {
  const bucket = process.env.VALTHREE_BUCKET;
  if (!bucket) throw new Error('VALTHREE_BUCKET is not set');
  client ??= new S3Client({});
  const result = await takeSnapshot({
    s3: client,
    bucket,
    key: process.env.VALTHREE_KEY || 'db.json',
    prefix: process.env.VALTHREE_SNAPSHOT_PREFIX || 'snapshots/',
  });
  console.log(JSON.stringify({ msg: 'snapshot', bucket, ...result }));
  return result;
}
