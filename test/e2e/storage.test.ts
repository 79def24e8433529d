/**
 * `npm start` on real object storage, with no flag beyond the endpoint and the
 * bucket; and its refusal to serve on storage whose conditional writes don't work.
 */
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { randomBytes } from 'node:crypto';
import { startEmulator } from '../support/emulator';
import { spawnProxy } from '../support/proxy-harness';
import { redisCli } from '../support/redis-cli';
import { openTarget, type Target } from '../s3/targets';

let rgw: Target;
beforeAll(async () => {
  rgw = await openTarget('rgw');
});
afterAll(() => rgw.close());

test('AWS_ENDPOINT_URL=<rgw> VALTHREE_BUCKET=<bucket> npm start serves redis-cli', async () => {
  const bucket = `start-${randomBytes(4).toString('hex')}`;
  await rgw.client().send(new CreateBucketCommand({ Bucket: bucket }));
  const env = {
    AWS_ENDPOINT_URL: rgw.endpoint,
    VALTHREE_BUCKET: bucket,
    AWS_ACCESS_KEY_ID: rgw.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: rgw.credentials.secretAccessKey,
    AWS_REGION: rgw.region,
  };
  const proxy = await spawnProxy([], env);
  try {
    const cli = (...a: string[]) => redisCli(proxy.port, a).then((r) => r.stdout.trim());
    expect(await cli('set', 'on-ceph', 'yes')).toBe('OK');
    expect(await cli('get', 'on-ceph')).toBe('yes');
    expect(await cli('del', 'on-ceph')).toBe('1');
    expect(await cli('set', 'kept', '1')).toBe('OK');
    // The document really is in the bucket, written with RGW's (bare) ETag form.
    const { Body } = await rgw.client().send(new (await import('@aws-sdk/client-s3')).GetObjectCommand({ Bucket: bucket, Key: 'db.json' }));
    expect(JSON.parse(await (Body as { transformToString(): Promise<string> }).transformToString()).data).toEqual({ kept: '1' });
  } finally {
    proxy.child.kill('SIGTERM');
    expect(await proxy.exited).toBe(0);
  }
});

test('on storage that ignores If-Match, npm start refuses to serve and says why', async () => {
  const emu = await startEmulator({ faults: 'ignore-preconditions' });
  try {
    const env = { AWS_ENDPOINT_URL: emu.endpoint, VALTHREE_BUCKET: emu.bucket, AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: emu.region };
    await expect(spawnProxy([], env)).rejects.toThrow(/exited \(1\)[\s\S]*ignores If-Match[\s\S]*--unsafe-storage/);
    // Nothing was written to the document.
    expect(emu.s3.buckets.get(emu.bucket)?.has('db.json')).toBe(false);
  } finally {
    await emu.close();
  }
});
