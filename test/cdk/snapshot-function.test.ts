import { CopyObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { handler, snapshotKey, takeSnapshot } from '../../lambda/snapshot';

const s3 = mockClient(S3Client);
const at = new Date('2025-03-04T05:06:07.089Z');

function s3Error(name: string, status: number): S3ServiceException {
  return new S3ServiceException({ name, $fault: 'client', $metadata: { httpStatusCode: status }, message: name });
}

beforeEach(() => s3.reset());

describe('snapshot function', () => {
  test('copies the document server-side to snapshots/<ISO time>.json', async () => {
    s3.on(CopyObjectCommand).resolves({ CopyObjectResult: { ETag: '"abc"' } });
    const result = await takeSnapshot({ s3: new S3Client({ region: 'us-east-1' }), bucket: 'b', key: 'db.json', prefix: 'snapshots/', now: () => at });
    expect(result).toEqual({ status: 'copied', snapshotKey: 'snapshots/2025-03-04T05:06:07.089Z.json', etag: '"abc"' });
    const calls = s3.commandCalls(CopyObjectCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0].args[0].input).toEqual({ Bucket: 'b', Key: 'snapshots/2025-03-04T05:06:07.089Z.json', CopySource: 'b/db.json', MetadataDirective: 'COPY' });
  });

  test('URL-encodes the copy source but keeps the slashes of a nested key', async () => {
    s3.on(CopyObjectCommand).resolves({});
    await takeSnapshot({ s3: new S3Client({ region: 'us-east-1' }), bucket: 'b', key: 'prod/my db+1.json', prefix: 'snapshots/', now: () => at });
    expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input.CopySource).toBe('b/prod/my%20db%2B1.json');
  });

  test('a fresh deployment without a document is not an error', async () => {
    s3.on(CopyObjectCommand).rejects(s3Error('NoSuchKey', 404));
    await expect(takeSnapshot({ s3: new S3Client({ region: 'us-east-1' }), bucket: 'b', key: 'db.json', prefix: 'snapshots/' })).resolves.toEqual({ status: 'no-document' });
  });

  test('any other failure propagates, so the scheduled run counts as failed and is retried', async () => {
    s3.on(CopyObjectCommand).rejects(s3Error('AccessDenied', 403));
    await expect(takeSnapshot({ s3: new S3Client({ region: 'us-east-1' }), bucket: 'b', key: 'db.json', prefix: 'snapshots/' })).rejects.toMatchObject({ name: 'AccessDenied' });
  });

  test('snapshot keys sort by time', () => {
    const keys = [new Date('2025-01-02T00:00:00Z'), new Date('2024-12-31T23:59:59.999Z'), new Date('2025-01-01T12:00:00Z')].map((d) => snapshotKey('snapshots/', d));
    expect([...keys].sort()).toEqual([keys[1], keys[2], keys[0]]);
  });

  describe('Lambda entry', () => {
    const saved = { ...process.env };
    afterEach(() => {
      process.env = { ...saved };
    });

    test('reads bucket, key and prefix from the environment', async () => {
      process.env = { ...saved, VALTHREE_BUCKET: 'data-bucket', VALTHREE_KEY: 'state.json', VALTHREE_SNAPSHOT_PREFIX: 'snaps/', AWS_REGION: 'eu-west-1' };
      s3.on(CopyObjectCommand).resolves({});
      const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
      try {
        const result = await handler();
        expect(result).toMatchObject({ status: 'copied', snapshotKey: expect.stringMatching(/^snaps\/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\.json$/) });
        expect(s3.commandCalls(CopyObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'data-bucket', CopySource: 'data-bucket/state.json' });
      } finally {
        log.mockRestore();
      }
    });

    test('refuses to run without a bucket', async () => {
      process.env = { ...saved };
      delete process.env.VALTHREE_BUCKET;
      await expect(handler()).rejects.toThrow(/VALTHREE_BUCKET/);
    });
  });
});
