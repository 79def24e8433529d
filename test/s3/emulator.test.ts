/**
 * The emulator's own contract, beyond what the conformance suite covers:
 * Lambda Invoke running the real handler (and Lambda's error shapes), every
 * fault as the real SDK sees it, latency, counters, listing, and a close()
 * that nothing can hold open.
 */
import { spawnSync } from 'node:child_process';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { encodeArg } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { startEmulator, type Emulator } from '../support/emulator';
import { FAULT_NAMES, parseFaultSpec } from '../support/faults';
import { failure, freshKey } from './targets';

let emu: Emulator;
let lambda: LambdaClient;
let s3: S3Client;

beforeAll(async () => {
  emu = await startEmulator();
  lambda = new LambdaClient({ ...emu.clientConfig(), maxAttempts: 1 });
  s3 = new S3Client({ ...emu.clientConfig(), maxAttempts: 1 });
});
beforeEach(() => {
  emu.faults.clear();
  emu.faults.resetCounts();
  emu.setLatency({ s3GetMs: 0, s3PutMs: 0, invokeMs: 0, perMbMs: 0, jitterMs: 0 });
});
afterAll(async () => {
  lambda.destroy();
  s3.destroy();
  await emu.close();
});

function batch(...commands: string[][]): BatchRequest {
  return { v: CONTRACT_VERSION, batchId: freshKey('b'), sessions: [{ id: 's', commands: commands.map((c) => c.map((a) => encodeArg(Buffer.from(a)))) }] };
}
async function invoke(fn: string, req: BatchRequest): Promise<{ functionError?: string; payload: unknown }> {
  const r = await lambda.send(new InvokeCommand({ FunctionName: fn, Payload: Buffer.from(JSON.stringify(req)) }));
  return { functionError: r.FunctionError, payload: JSON.parse(Buffer.from(r.Payload as Uint8Array).toString('utf8')) };
}
function documentOf(key: string): Document | undefined {
  const o = emu.s3.buckets.get(emu.bucket)?.get(key);
  return o ? Document.decode(o.body) : undefined;
}

describe('Lambda Invoke', () => {
  test('runs the real handler over the emulator S3: SET, GET, and a cached GET revalidated with 304', async () => {
    const key = freshKey('db.json');
    emu.addFunction('real', { key });
    emu.stats.reset();
    const set = await invoke('real', batch(['SET', 'greeting', 'hello']));
    expect(set.functionError).toBeUndefined();
    expect(set.payload).toMatchObject({ ok: true, sessions: [{ id: 's', replies: [{ t: 'simple', v: 'OK' }] }] });
    const get = (await invoke('real', batch(['GET', 'greeting']))).payload as BatchResponse;
    expect(get.ok && get.sessions[0].replies).toEqual([{ t: 'bulk', v: encodeArg(Buffer.from('hello')) }]);
    expect(documentOf(key)?.size).toBe(1);
    // The warm environment kept the document: the GET asked S3 with If-None-Match.
    expect(emu.stats.s3NotModified).toBeGreaterThanOrEqual(1);
    expect(emu.stats.invocations).toBe(2);
    expect(emu.stats.lambdaBytesIn).toBeGreaterThan(0);
    expect(emu.stats.lambdaBytesOut).toBeGreaterThan(0);
  });

  test('the function name may be an ARN or carry a qualifier', async () => {
    emu.addFunction('named', { key: freshKey('db.json') });
    for (const name of ['named', 'named:$LATEST', 'arn:aws:lambda:us-east-1:000000000000:function:named']) {
      expect((await invoke(name, batch(['PING']))).payload).toMatchObject({ ok: true });
    }
  });

  test('a handler that throws → 200 with FunctionError Unhandled and {errorType, errorMessage, trace}', async () => {
    emu.addFunction('thrower', {
      handler: async () => {
        throw new TypeError('boom');
      },
    });
    const r = await invoke('thrower', batch(['PING']));
    expect(r.functionError).toBe('Unhandled');
    expect(r.payload).toMatchObject({ errorType: 'TypeError', errorMessage: 'boom', trace: expect.arrayContaining([expect.stringContaining('TypeError: boom')]) });
    expect(emu.stats.functionErrors).toBeGreaterThanOrEqual(1);
  });

  test('a handler past the function timeout → Sandbox.Timedout function error', async () => {
    // The handler answers only once the caller has its reply: however slow
    // the machine, only the function timeout can have ended the invocation.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    emu.addFunction('slow', { timeoutMs: 100, handler: async () => (await gate, { v: CONTRACT_VERSION, batchId: 'x', ok: false, failure: { kind: 'unknown', message: 'late' } }) });
    try {
      const r = await invoke('slow', batch(['PING']));
      expect(r).toMatchObject({ functionError: 'Unhandled', payload: { errorType: 'Sandbox.Timedout' } });
    } finally {
      release();
    }
  });

  test('unknown function → 404 ResourceNotFoundException', async () => {
    expect(await failure(invoke('nope', batch(['PING'])))).toMatchObject({ name: 'ResourceNotFoundException', status: 404 });
  });

  test('a payload over 6 MB → 413 RequestEntityTooLargeException', async () => {
    const big = { ...batch(['SET', 'k', 'x']), pad: 'x'.repeat(6 * 1024 * 1024) };
    const e = await failure(lambda.send(new InvokeCommand({ FunctionName: emu.functionName, Payload: Buffer.from(JSON.stringify(big)) })));
    expect(e).toMatchObject({ name: 'RequestEntityTooLargeException', status: 413 });
  });

  test('reserved concurrency: invocations past it get 429 TooManyRequestsException', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let entered!: () => void;
    const running = new Promise<void>((r) => (entered = r));
    emu.addFunction('narrow', {
      reservedConcurrency: 1,
      handler: async (req) => {
        entered();
        await gate;
        return { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions: [], stats: { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false } };
      },
    });
    const first = invoke('narrow', batch(['PING']));
    await running; // the first invocation holds the one slot
    expect(await failure(invoke('narrow', batch(['PING'])))).toMatchObject({ name: 'TooManyRequestsException', status: 429 });
    release();
    expect((await first).payload).toMatchObject({ ok: true });
  });
});

describe('faults as the SDK sees them', () => {
  test('lambda_429: TooManyRequestsException, the function did not run', async () => {
    const key = freshKey('db.json');
    emu.addFunction('f429', { key });
    emu.faults.set({ rates: { lambda_429: 1 } });
    expect(await failure(invoke('f429', batch(['SET', 'a', '1'])))).toMatchObject({ name: 'TooManyRequestsException', status: 429 });
    expect(documentOf(key)).toBeUndefined();
  });

  test('lambda_error: a function error, before the handler ran or after it committed', async () => {
    const seen = { before: 0, after: 0 };
    for (let seed = 0; seed < 8; seed++) {
      const key = freshKey('db.json');
      emu.addFunction('ferr', { key });
      emu.faults.set({ rates: { lambda_error: 1 }, seed });
      const r = await invoke('ferr', batch(['SET', 'a', '1']));
      expect(r.functionError).toBe('Unhandled');
      if (documentOf(key)) seen.after++;
      else seen.before++;
    }
    expect(seen.before).toBeGreaterThan(0);
    expect(seen.after).toBeGreaterThan(0);
  });

  test('lambda_ambiguous: the handler committed, the caller gets an error (reset, 500, or a hang until the connection dies)', async () => {
    // No client-side timeout: a timeout that fired before the handler
    // committed would prove nothing. A hang ends when the emulator drops the
    // connection (hangMs), which happens only after the handler ran.
    try {
      // Seeds until each way of losing the answer (reset, 500, hang) has come up.
      for (let seed = 0; seed < 30 && !Object.values(emu.faults.losses).every((n) => n > 0); seed++) {
        const key = freshKey('db.json');
        emu.addFunction('famb', { key });
        emu.faults.set({ rates: { lambda_ambiguous: 1 }, seed, hangMs: 50 });
        const req = batch(['SET', 'a', `${seed}`]);
        await expect(lambda.send(new InvokeCommand({ FunctionName: 'famb', Payload: Buffer.from(JSON.stringify(req)) }))).rejects.toBeDefined();
        expect(documentOf(key)?.hasCommit(req.batchId)).toBeTruthy();
      }
      expect(Object.values(emu.faults.losses).every((n) => n > 0)).toBe(true);
    } finally {
      emu.faults.set({ hangMs: 30_000 });
    }
  });

  test('s3_500 / s3_503 reach the SDK with S3 error codes', async () => {
    emu.faults.set({ rates: { s3_500: 1 } });
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: 'x', Body: 'x' })))).toMatchObject({ name: 'InternalError', status: 500 });
    emu.faults.set({ rates: { s3_503: 1 } });
    expect(await failure(s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: 'x' })))).toMatchObject({ name: 'SlowDown', status: 503 });
  });

  test('s3_409 hits conditional writes only', async () => {
    emu.faults.set({ rates: { s3_409: 1 } });
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: freshKey('plain'), Body: 'x' }));
    expect(await failure(s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: freshKey('c'), Body: 'x', IfNoneMatch: '*' })))).toMatchObject({ name: 'ConditionalRequestConflict', status: 409 });
  });

  test('ignore-preconditions: a stale If-Match and a create over an existing object both succeed', async () => {
    const key = freshKey('broken');
    const e1 = (await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: 'v1', IfNoneMatch: '*' }))).ETag;
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: 'v2', IfMatch: e1 }));
    emu.faults.set('ignore-preconditions');
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: 'lost update', IfMatch: e1 }));
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: 'resurrected', IfNoneMatch: '*' }));
    expect(emu.s3.buckets.get(emu.bucket)?.get(key)?.body.toString()).toBe('resurrected');
  });

  test('fault specs: "all" is every fault but never ignore-preconditions; bad names and rates are refused', () => {
    expect(Object.keys(parseFaultSpec('all').rates ?? {}).sort()).toEqual([...FAULT_NAMES].sort());
    expect(parseFaultSpec('all').ignorePreconditions).toBe(false);
    expect(parseFaultSpec('s3_500=0.5,ignore-preconditions')).toEqual({ rates: { s3_500: 0.5 }, ignorePreconditions: true });
    expect(() => parseFaultSpec('s3_501')).toThrow(/unknown fault/);
    expect(() => parseFaultSpec('s3_500=2')).toThrow(/\[0, 1\]/);
  });

  test('close() ends hung requests at once', async () => {
    // The hang never ends by itself (the longest timer Node allows), and the
    // client has no timeout: only close() can end the request.
    const other = await startEmulator({ faults: { rates: { s3_hang: 1 }, hangMs: 2 ** 31 - 1 } });
    const c = new S3Client({ ...other.clientConfig(), maxAttempts: 1 });
    try {
      let reached!: () => void;
      const hanging = new Promise<void>((r) => (reached = r));
      const decide = other.faults.decide.bind(other.faults);
      other.faults.decide = (p) => {
        const a = decide(p);
        if (a.type === 'hang') reached();
        return a;
      };
      const hung = c.send(new GetObjectCommand({ Bucket: other.bucket, Key: 'k' })).catch((e: Error) => e);
      await hanging; // the request is in the emulator, held
      await other.close();
      expect(await hung).toBeInstanceOf(Error);
      expect(other.faults.injected.s3_hang).toBe(1);
    } finally {
      c.destroy();
    }
  });
});

describe('S3 extras', () => {
  test('injected latency: fixed per op, per MB, settable at runtime', async () => {
    // What the model added is counted, so the test needs no upper bound on a
    // wall-clock time: a 1 MiB GET at 60 ms + 100 ms/MiB gets exactly 160 ms,
    // and once set to zero at runtime, none at all.
    const key = freshKey('lat');
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: Buffer.alloc(1024 * 1024) }));
    emu.setLatency({ s3GetMs: 60, perMbMs: 100 });
    let added = emu.injectedLatencyMs;
    const t = Date.now();
    await (await s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key }))).Body?.transformToByteArray();
    expect(Date.now() - t).toBeGreaterThanOrEqual(150); // timers never fire early
    expect(emu.injectedLatencyMs - added).toBe(160);
    emu.setLatency({ s3GetMs: 0, perMbMs: 0 });
    added = emu.injectedLatencyMs;
    await (await s3.send(new GetObjectCommand({ Bucket: emu.bucket, Key: key }))).Body?.transformToByteArray();
    expect(emu.injectedLatencyMs - added).toBe(0);
    // A PUT pays its own fixed cost plus the per-MiB cost of its body.
    emu.setLatency({ s3PutMs: 40, perMbMs: 100 });
    added = emu.injectedLatencyMs;
    await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: key, Body: Buffer.alloc(512 * 1024) }));
    expect(emu.injectedLatencyMs - added).toBe(90);
  });

  test('ListObjectsV2: prefix, delimiter, pagination', async () => {
    const p = freshKey('list');
    for (const k of ['a', 'b', 'c', 'd/1', 'd/2']) await s3.send(new PutObjectCommand({ Bucket: emu.bucket, Key: `${p}/${k}`, Body: k }));
    const page1 = await s3.send(new ListObjectsV2Command({ Bucket: emu.bucket, Prefix: `${p}/`, Delimiter: '/', MaxKeys: 2 }));
    expect(page1.Contents?.map((o) => o.Key)).toEqual([`${p}/a`, `${p}/b`]);
    expect(page1.IsTruncated).toBe(true);
    const page2 = await s3.send(new ListObjectsV2Command({ Bucket: emu.bucket, Prefix: `${p}/`, Delimiter: '/', ContinuationToken: page1.NextContinuationToken }));
    expect(page2.Contents?.map((o) => o.Key)).toEqual([`${p}/c`]);
    expect(page2.CommonPrefixes?.map((c) => c.Prefix)).toEqual([`${p}/d/`]);
  });

  test('errors are well-formed S3 XML with a request id', async () => {
    const res = await fetch(`${emu.endpoint}/${emu.bucket}/no/such/key`);
    expect(res.status).toBe(404);
    expect(res.headers.get('x-amz-request-id')).toMatch(/^[0-9A-F]{16}$/);
    expect(await res.text()).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<Error><Code>NoSuchKey<\/Code><Message>The specified key does not exist.<\/Message>.*<\/Error>$/);
  });

  test('rgw16 profile: one winner among 20 racing writers, losers get 412 or 500 like RGW 16', async () => {
    const rgwLike = await startEmulator({ profile: 'rgw16' });
    const c = new S3Client({ ...rgwLike.clientConfig(), maxAttempts: 1 });
    try {
      const e0 = (await c.send(new PutObjectCommand({ Bucket: rgwLike.bucket, Key: 'r', Body: 'base' }))).ETag as string;
      const rs = await Promise.allSettled(Array.from({ length: 20 }, (_, i) => c.send(new PutObjectCommand({ Bucket: rgwLike.bucket, Key: 'r', Body: `w${i}`, IfMatch: e0.replace(/"/g, '') }))));
      expect(rs.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of rs) if (r.status === 'rejected') expect([412, 500]).toContain((r.reason as { $metadata: { httpStatusCode: number } }).$metadata.httpStatusCode);
      expect(await failure(c.send(new PutObjectCommand({ Bucket: rgwLike.bucket, Key: 'r', Body: 'q', IfMatch: e0 })))).toMatchObject({ status: 412 });
    } finally {
      c.destroy();
      await rgwLike.close();
    }
  });
});

describe('CLIs', () => {
  test.each([['test/support/emulator-main.ts', /--faults SPEC/], ['test/support/rgw.ts', /ceph-mon ceph-osd radosgw ceph-common/]])('%s --help', (file, pattern) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', file, '--help'], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(pattern);
  });
});
