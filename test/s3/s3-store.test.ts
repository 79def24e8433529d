/**
 * S3Store's classification of S3's answers. The handler's correctness rests
 * on it: "conflict" means nothing was written (re-read and retry), "unknown"
 * means the write may have landed (re-read and look for the commit id), a
 * thrown StoreError means a definite refusal. Getting one of these wrong
 * turns into a lost update or a command applied twice.
 *
 * First with aws-sdk-client-mock (every status the SDK can hand us), then
 * over the emulator's faults (what really crosses the wire, SDK retries
 * included).
 */
import { GetObjectCommand, PutObjectCommand, DeleteObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3Store } from '../../lambda/store/s3';
import { StoreError } from '../../lambda/store/types';
import { startEmulator, type Emulator } from '../support/emulator';
import { prng } from '../support/faults';

function sdkError(name: string, status?: number, extra: { attempts?: number; code?: string; message?: string } = {}): Error {
  return Object.assign(new Error(extra.message ?? name), {
    name,
    ...(extra.code ? { code: extra.code } : {}),
    $metadata: status === undefined ? { attempts: extra.attempts ?? 1 } : { httpStatusCode: status, attempts: extra.attempts ?? 1 },
  });
}

const body = (s: string) => ({ transformToByteArray: async () => new Uint8Array(Buffer.from(s)) });

describe('S3Store with a mocked S3Client', () => {
  // Created in beforeAll (not at collection) so that a filtered run never leaves S3Client mocked for the emulator tests.
  const mockS3 = () => mockClient(S3Client);
  let s3: ReturnType<typeof mockS3>;
  let store: S3Store;

  beforeAll(() => {
    s3 = mockS3();
  });
  beforeEach(() => {
    s3.reset();
    store = new S3Store({ bucket: 'b', region: 'us-east-1', credentials: { accessKeyId: 'x', secretAccessKey: 'y' } });
  });
  afterEach(() => store.close());
  afterAll(() => s3.restore());

  describe('put: the condition failed, nothing was written → conflict', () => {
    test.each([
      ['412 PreconditionFailed', sdkError('PreconditionFailed', 412)],
      ['409 ConditionalRequestConflict', sdkError('ConditionalRequestConflict', 409)],
      ['404 NoSuchKey (If-Match on a missing key, AWS)', sdkError('NoSuchKey', 404)],
    ])('%s', async (_label, err) => {
      s3.on(PutObjectCommand).rejects(err);
      const r = await store.put('db.json', Buffer.from('{}'), { ifMatch: '"abc"' });
      expect(r.status).toBe('conflict');
    });
  });

  describe('put: the write may have landed → unknown', () => {
    test.each([
      ['500 InternalError', sdkError('InternalError', 500)],
      ['500 UnknownError (an RGW race loser)', sdkError('UnknownError', 500)],
      ['503 SlowDown', sdkError('SlowDown', 503)],
      ['TimeoutError (no status)', sdkError('TimeoutError')],
      ['ECONNRESET (no status)', sdkError('Error', undefined, { code: 'ECONNRESET', message: 'socket hang up' })],
      // A 412 after an SDK retry may be the answer to our own first, landed attempt.
      ['412 after an SDK retry', sdkError('PreconditionFailed', 412, { attempts: 2 })],
    ])('%s', async (_label, err) => {
      s3.on(PutObjectCommand).rejects(err);
      const r = await store.put('db.json', Buffer.from('{}'), { ifNoneMatch: '*' });
      expect(r.status).toBe('unknown');
    });

    test('a 200 without an ETag', async () => {
      s3.on(PutObjectCommand).resolves({});
      expect((await store.put('db.json', Buffer.from('{}'), { ifNoneMatch: '*' })).status).toBe('unknown');
    });
  });

  test.each([
    ['403 AccessDenied', sdkError('AccessDenied', 403)],
    ['400 InvalidRequest', sdkError('InvalidRequest', 400)],
    // A 404, but not "someone else wrote": retrying as a conflict would end as a misleading "contended".
    ['404 NoSuchBucket', sdkError('NoSuchBucket', 404)],
  ])('put: %s is a definite refusal → StoreError with the S3 code', async (_label, err) => {
    s3.on(PutObjectCommand).rejects(err);
    const p = store.put('db.json', Buffer.from('{}'), { ifMatch: '"abc"' });
    await expect(p).rejects.toBeInstanceOf(StoreError);
    await expect(store.put('db.json', Buffer.from('{}'), { ifMatch: '"abc"' })).rejects.toMatchObject({ code: err.name });
  });

  test('put: ok carries the ETag as S3 sent it; the condition goes out in the configured form', async () => {
    s3.on(PutObjectCommand).resolves({ ETag: '"new"' });
    expect(await store.put('db.json', Buffer.from('{"a":1}'), { ifMatch: '"old"' })).toEqual({ status: 'ok', etag: '"new"' });
    expect(s3.commandCalls(PutObjectCommand)[0].args[0].input).toMatchObject({ Bucket: 'b', Key: 'db.json', IfMatch: '"old"' });
    store.etagForm = 'unquoted';
    await store.put('db.json', Buffer.from('{}'), { ifMatch: '"old"' });
    expect(s3.commandCalls(PutObjectCommand)[1].args[0].input.IfMatch).toBe('old');
    await store.put('db.json', Buffer.from('{}'), { ifNoneMatch: '*' });
    const third = s3.commandCalls(PutObjectCommand)[2].args[0].input;
    expect(third.IfNoneMatch).toBe('*');
    expect(third.IfMatch).toBeUndefined();
  });

  test('get: found, with the body and the ETag as received', async () => {
    s3.on(GetObjectCommand).resolves({ ETag: '"e1"', Body: body('{"x":1}') } as never);
    expect(await store.get('db.json')).toEqual({ status: 'found', body: Buffer.from('{"x":1}'), etag: '"e1"' });
  });

  test('get: 304 → not-modified, and If-None-Match goes out as given', async () => {
    s3.on(GetObjectCommand).rejects(sdkError('Unknown', 304));
    expect(await store.get('db.json', { ifNoneMatch: '"e1"' })).toEqual({ status: 'not-modified' });
    expect(s3.commandCalls(GetObjectCommand)[0].args[0].input.IfNoneMatch).toBe('"e1"');
  });

  test.each([
    ['NoSuchKey', sdkError('NoSuchKey', 404)],
    ['NotFound (an error without a body)', sdkError('NotFound', 404)],
  ])('get: %s → absent', async (_label, err) => {
    s3.on(GetObjectCommand).rejects(err);
    expect(await store.get('db.json')).toEqual({ status: 'absent' });
  });

  test.each([
    ['403 AccessDenied (no s3:ListBucket: what AWS says for a missing key)', sdkError('AccessDenied', 403)],
    ['500 after the SDK gave up', sdkError('InternalError', 500, { attempts: 3 })],
    ['NoSuchBucket', sdkError('NoSuchBucket', 404)],
  ])('get: %s → StoreError', async (_label, err) => {
    s3.on(GetObjectCommand).rejects(err);
    // NoSuchBucket is a 404 too: it must not read as "no document yet" and start a fresh one.
    await expect(store.get('db.json')).rejects.toBeInstanceOf(StoreError);
  });

  test('delete: failures throw StoreError', async () => {
    s3.on(DeleteObjectCommand).rejects(sdkError('AccessDenied', 403));
    await expect(store.delete('db.json')).rejects.toBeInstanceOf(StoreError);
  });
});

describe('S3Store over the emulator with faults (real SDK, real wire)', () => {
  let emu: Emulator;
  let store: S3Store;
  beforeAll(async () => {
    emu = await startEmulator();
  });
  beforeEach(() => {
    emu.faults.clear();
    emu.faults.resetCounts();
    emu.stats.reset();
    // Timeouts far past anything a loaded machine needs: a request that should
    // succeed never times out here. The hung-PUT test brings its own short one.
    store = new S3Store({ bucket: emu.bucket, endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials, requestTimeoutMs: 30_000, connectTimeoutMs: 30_000 });
  });
  afterEach(() => store.close());
  afterAll(() => emu.close());

  async function seed(key: string): Promise<string> {
    const r = await store.put(key, Buffer.from('seed'), { ifNoneMatch: '*' });
    if (r.status !== 'ok') throw new Error(`seeding ${key}: ${JSON.stringify(r)}`);
    return r.etag;
  }

  test('a PUT answered 500 is not retried by the SDK: one request, outcome unknown', async () => {
    const etag = await seed('k500');
    emu.faults.set({ rates: { s3_500: 1 } });
    const before = emu.stats.s3Puts;
    expect((await store.put('k500', Buffer.from('x'), { ifMatch: etag })).status).toBe('unknown');
    expect(emu.stats.s3Puts - before).toBe(1);
  });

  test('503 SlowDown on a PUT → unknown, one request', async () => {
    const etag = await seed('k503');
    emu.faults.set({ rates: { s3_503: 1 } });
    expect((await store.put('k503', Buffer.from('x'), { ifMatch: etag })).status).toBe('unknown');
    expect(emu.stats.s3Puts).toBe(2);
  });

  test('409 ConditionalRequestConflict → conflict', async () => {
    const etag = await seed('k409');
    emu.faults.set({ rates: { s3_409: 1 } });
    expect(await store.put('k409', Buffer.from('x'), { ifMatch: etag })).toMatchObject({ status: 'conflict' });
    expect(emu.stats.s3Conflicts).toBe(1);
  });

  test('a hung PUT times out (TimeoutError) → unknown, ended by the store\'s own request timeout', async () => {
    const etag = await seed('khang');
    // The hang never ends on the emulator's side (the longest timer Node
    // allows; close() ends it): only the store's timeout can answer, and
    // the TimeoutError in the detail says that it did.
    emu.faults.set({ rates: { s3_hang: 1 }, hangMs: 2 ** 31 - 1 });
    const quick = new S3Store({ bucket: emu.bucket, endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials, requestTimeoutMs: 400 });
    try {
      const r = await quick.put('khang', Buffer.from('x'), { ifMatch: etag });
      expect(r.status).toBe('unknown');
      expect(r.status === 'unknown' && r.detail).toMatch(/Timeout/);
      expect(emu.faults.injected.s3_hang).toBe(1);
    } finally {
      quick.close();
      emu.faults.set({ hangMs: 30_000 });
    }
  });

  test('an ambiguous PUT (applied, response lost or turned into 500) → unknown, and the write is there', async () => {
    // The seeded PRNG picks reset, hang or 500 for each; 12 draws cover all three.
    for (let i = 0; i < 12; i++) {
      const key = `kamb${i}`;
      const etag = await seed(key);
      // A lost answer of the 'hang' kind ends when the emulator drops the
      // connection (hangMs), which is after the write landed: no client
      // timeout can race the write.
      emu.faults.set({ rates: { s3_ambiguous_put: 1 }, seed: i, hangMs: 50 });
      const r = await store.put(key, Buffer.from(`landed ${i}`), { ifMatch: etag });
      emu.faults.clear();
      expect(r.status).toBe('unknown');
      const got = await store.get(key);
      expect(got.status === 'found' && got.body.toString()).toBe(`landed ${i}`);
    }
    emu.faults.set({ hangMs: 30_000 });
    expect(emu.faults.losses).toEqual({ reset: expect.any(Number), hang: expect.any(Number), error500: expect.any(Number) });
    for (const n of Object.values(emu.faults.losses)) expect(n).toBeGreaterThan(0);
  });

  test('a missing bucket is an error for reads and writes, never "no document yet"', async () => {
    const wrong = new S3Store({ bucket: 'no-such-bucket', endpoint: emu.endpoint, region: emu.region, credentials: emu.credentials });
    try {
      await expect(wrong.get('db.json')).rejects.toMatchObject({ code: 'NoSuchBucket' });
      await expect(wrong.put('db.json', Buffer.from('{}'), { ifNoneMatch: '*' })).rejects.toMatchObject({ code: 'NoSuchBucket' });
    } finally {
      wrong.close();
    }
  });

  test('a GET answered 500 is retried by the SDK (reads are idempotent) and then succeeds', async () => {
    await seed('kget');
    // A seed whose first draw fires a 50% fault and whose next two do not:
    // exactly the first attempt fails, whatever the SDK's retry timing.
    const s = Array.from({ length: 1000 }, (_, i) => i).find((i) => {
      const r = prng(i);
      return r() < 0.5 && r() >= 0.5 && r() >= 0.5;
    });
    emu.faults.set({ rates: { s3_500: 0.5 }, seed: s });
    expect(await store.get('kget')).toMatchObject({ status: 'found' });
    expect(emu.faults.injected.s3_500).toBe(1);
    expect(emu.stats.s3Gets).toBe(2);
  });
});
