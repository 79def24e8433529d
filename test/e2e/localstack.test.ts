/**
 * The README's LocalStack walk-through, offline: a single endpoint serving
 * S3 and Lambda (the test emulator stands in for LocalStack), and the proxy
 * configured only by environment variables and the documented flags —
 * endpoint, region and path-style from AWS_ENDPOINT_URL, credentials from the
 * SDK's default chain (here: the environment).
 */
import { startEmulator, type Emulator } from '../support/emulator';
import { spawnProxy, type ChildProxy } from '../support/proxy-harness';
import { redisCli } from '../support/redis-cli';

let emu: Emulator;
let proxy: ChildProxy;
beforeAll(async () => {
  emu = await startEmulator();
  proxy = await spawnProxy(['--function', emu.functionName, '--bucket', emu.bucket], {
    AWS_ENDPOINT_URL: emu.endpoint,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'test',
    AWS_SECRET_ACCESS_KEY: 'test',
  });
});
afterAll(async () => {
  proxy.child.kill('SIGTERM');
  await proxy.exited;
  await emu.close();
});

test('npm start -- --function <name> --bucket <bucket> with AWS_ENDPOINT_URL serves redis-cli through Invoke', async () => {
  const before = emu.stats.invocations;
  const cli = (...a: string[]) => redisCli(proxy.port, a).then((r) => r.stdout.trim());
  expect(await cli('set', 'ls', 'local')).toBe('OK');
  expect(await cli('get', 'ls')).toBe('local');
  expect(emu.stats.invocations - before).toBeGreaterThanOrEqual(2);
  // The function wrote the document to the bucket, path-style, through the same endpoint.
  const doc = JSON.parse(emu.s3.buckets.get(emu.bucket)?.get('db.json')?.body.toString('utf8') ?? '{}') as { data?: Record<string, string> };
  expect(doc.data).toEqual({ ls: 'local' });
});

test('a wrong function name is refused as not applied, and the proxy keeps serving', async () => {
  const other = await spawnProxy(['--function', 'no-such-function'], { AWS_ENDPOINT_URL: emu.endpoint, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' });
  try {
    const r = await redisCli(other.port, ['set', 'x', '1']);
    expect(r.stdout).toMatch(/TRYAGAIN not applied: .*ResourceNotFound/);
    expect((await redisCli(other.port, ['ping'])).stdout.trim()).toBe('PONG');
  } finally {
    other.child.kill('SIGTERM');
    await other.exited;
  }
});
