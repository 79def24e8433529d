/**
 * The storage safety check (lambda/store/safety.ts) on real behaviour: it
 * passes on the emulator and on Ceph RGW, finds the ETag form each wants in
 * If-Match, and refuses storage that ignores conditions - directly, and
 * through the Lambda Invoke path where a refused check must keep the handler
 * from writing anything.
 */
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { S3Store } from '../../lambda/store/s3';
import { checkStorageSafety, UnsafeStorageError } from '../../lambda/store/safety';
import type { ObjectStore, PutCondition } from '../../lambda/store/types';
import { startEmulator, type Emulator } from '../support/emulator';
import { freshKey, openTarget, type Target } from './targets';

describe('storage safety check on the emulator', () => {
  let emu: Emulator;
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('emulator');
    emu = target.emulator as Emulator;
  });
  afterEach(() => emu.faults.clear());
  afterAll(() => target.close());

  test('passes, and keeps the quoted form AWS wants', async () => {
    const store = target.store({ etagForm: 'unquoted' }); // starts wrong on purpose
    expect(await checkStorageSafety(store, freshKey('db.json.probe'))).toEqual({ etagForm: 'quoted' });
    expect(store.etagForm).toBe('quoted');
  });

  test('20 environments checking the same probe at once all pass (races are not evidence)', async () => {
    const probe = freshKey('db.json.probe');
    const results = await Promise.allSettled(Array.from({ length: 20 }, () => checkStorageSafety(target.store(), probe)));
    expect(results.filter((r) => r.status === 'rejected').map((r) => String((r as PromiseRejectedResult).reason))).toEqual([]);
  });

  test('throws UnsafeStorageError when the storage ignores If-Match / If-None-Match (ignore-preconditions)', async () => {
    emu.faults.set('ignore-preconditions');
    const store = target.store();
    const check = checkStorageSafety(store, freshKey('db.json.probe'));
    await expect(check).rejects.toBeInstanceOf(UnsafeStorageError);
    await expect(checkStorageSafety(store, freshKey('db.json.probe'))).rejects.toThrow(/ignores If-Match.*--unsafe-storage/s);
  });

  test('throws when only If-None-Match: * is ignored (a create overwrites)', async () => {
    const inner = target.store();
    // Honours If-Match, but turns a create into an overwrite of whatever is there.
    const broken: ObjectStore & { etagForm: 'quoted' | 'unquoted' } = {
      description: 'a store that ignores If-None-Match',
      get etagForm() {
        return inner.etagForm;
      },
      set etagForm(f) {
        inner.etagForm = f;
      },
      get: (k, o) => inner.get(k, o),
      delete: (k) => inner.delete(k),
      async put(k: string, body: Buffer, cond: PutCondition) {
        if ('ifMatch' in cond) return inner.put(k, body, cond);
        const cur = await inner.get(k);
        return inner.put(k, body, cur.status === 'found' ? { ifMatch: cur.etag } : cond);
      },
    };
    await expect(checkStorageSafety(broken, freshKey('db.json.probe'))).rejects.toThrow(/ignores If-None-Match/);
  });

  test('with the rgw16 profile it finds the unquoted form, like on real RGW', async () => {
    const rgwLike = await startEmulator({ profile: 'rgw16' });
    const store = new S3Store({ bucket: rgwLike.bucket, endpoint: rgwLike.endpoint, region: rgwLike.region, credentials: rgwLike.credentials });
    try {
      expect(await checkStorageSafety(store, 'db.json.probe')).toEqual({ etagForm: 'unquoted' });
    } finally {
      store.close();
      await rgwLike.close();
    }
  });

  describe('through Lambda Invoke: a refused check means nothing is written', () => {
    let lambda: LambdaClient;
    beforeAll(() => {
      lambda = new LambdaClient({ ...emu.clientConfig(), maxAttempts: 1 });
    });
    afterAll(() => lambda.destroy());

    async function invoke(fn: string, argv: string[]): Promise<BatchResponse> {
      const req: BatchRequest = { v: CONTRACT_VERSION, batchId: freshKey('batch'), sessions: [{ id: 's1', commands: [argv.map((a) => encodeArg(Buffer.from(a)))] }] };
      const res = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(req)) }));
      expect(res.FunctionError).toBeUndefined();
      return JSON.parse(Buffer.from(res.Payload as Uint8Array).toString('utf8')) as BatchResponse;
    }

    test('safety on: SET is refused as not-applied, naming the risk, and db.json stays absent', async () => {
      const key = freshKey('db.json');
      emu.addFunction('guarded', { key, safetyCheck: true });
      emu.faults.set('ignore-preconditions');
      const res = await invoke('guarded', ['SET', 'k', 'v']);
      expect(res.ok).toBe(false);
      expect(res.ok === false && res.failure).toMatchObject({ kind: 'not-applied', message: expect.stringMatching(/ignores If-Match/) });
      expect(emu.s3.buckets.get(emu.bucket)?.has(key)).toBe(false);
    });

    test('safety off (--unsafe-storage): the same SET is written', async () => {
      const key = freshKey('db.json');
      emu.addFunction('unguarded', { key, safetyCheck: false });
      emu.faults.set('ignore-preconditions');
      const res = await invoke('unguarded', ['SET', 'k', 'v']);
      expect(res.ok).toBe(true);
      expect(emu.s3.buckets.get(emu.bucket)?.has(key)).toBe(true);
    });
  });
});

describe('storage safety check on Ceph RGW', () => {
  let target: Target;
  beforeAll(async () => {
    target = await openTarget('rgw');
  }, 90_000);
  afterAll(() => target?.close());

  test('passes, and detects that RGW 16 wants the unquoted ETag', async () => {
    const store = target.store({ etagForm: 'quoted' }); // the AWS default
    expect(await checkStorageSafety(store, freshKey('db.json.probe'))).toEqual({ etagForm: 'unquoted' });
    expect(store.etagForm).toBe('unquoted');
    // And the detected form really is the one that makes writes work.
    const key = freshKey('db.json');
    const created = await store.put(key, Buffer.from('{}'), { ifNoneMatch: '*' });
    expect(created.status).toBe('ok');
    expect(await store.put(key, Buffer.from('{"a":1}'), { ifMatch: (created as { etag: string }).etag })).toMatchObject({ status: 'ok' });
  });
});
