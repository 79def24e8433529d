import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULTS, invokeTimeoutMs, parseConfig, stopTimeoutSeconds } from '../../lib/config';
import { cdkJson, REPO } from './repo';

const from = (ctx: Record<string, unknown>) => parseConfig((k) => ctx[k]);

describe('cdk.json', () => {
  const json = cdkJson();

  test('runs the app with tsx, with notices and telemetry off (no network at synth)', () => {
    expect(json.app).toBe('npx tsx bin/valthree.ts');
    expect(json.notices).toBe(false);
    expect(json.context['cli-telemetry']).toBe(false);
  });

  test('sets every currently recommended feature flag of the installed aws-cdk-lib to its recommended value', () => {
    const recommended = JSON.parse(fs.readFileSync(path.join(REPO, 'node_modules/aws-cdk-lib/recommended-feature-flags.json'), 'utf8')) as Record<string, unknown>;
    expect(Object.keys(recommended).length).toBeGreaterThan(50);
    for (const [flag, value] of Object.entries(recommended)) expect({ flag, value: json.context[flag] }).toEqual({ flag, value });
  });

  test('repeats the code defaults exactly, so what cdk.json shows is what a deploy uses', () => {
    for (const [key, value] of Object.entries(DEFAULTS)) expect({ key, value: json.context[key] }).toEqual({ key, value });
    // And it holds no setting the code does not read.
    const known = new Set([...Object.keys(DEFAULTS), 'cli-telemetry']);
    const unknown = Object.keys(json.context).filter((k) => !k.startsWith('@aws-cdk') && !known.has(k));
    expect(unknown).toEqual([]);
  });
});

describe('parseConfig', () => {
  test('defaults when nothing is set', () => {
    const c = from({});
    expect(c).toMatchObject({ ...DEFAULTS, clientCidr: DEFAULTS.vpcCidr, minTasks: 2, maxTasks: 2 });
    expect(c.certificateArn).toBeUndefined();
    expect(c.alarmEmail).toBeUndefined();
  });

  test('reads -c strings and cdk.json JSON values alike', () => {
    const c = from({ lambdaTimeoutSeconds: '20', dev: 'true', tasks: 3, internetFacing: 'true', allowPlaintextInternet: true, clientCidr: '203.0.113.7/32' });
    expect(c.lambdaTimeoutSeconds).toBe(20);
    expect(c.dev).toBe(true);
    expect(c.tasks).toBe(3);
    expect(c.minTasks).toBe(3);
    expect(c.internetFacing).toBe(true);
  });

  test('nests the timeouts: S3 request < Lambda < proxy invoke < drain < stop timeout', () => {
    for (const lambdaTimeoutSeconds of [5, 10, 60]) {
      const c = from({ lambdaTimeoutSeconds, s3TimeoutMs: 3000 });
      expect(c.s3TimeoutMs).toBeLessThan(c.lambdaTimeoutSeconds * 1000);
      expect(invokeTimeoutMs(c)).toBe(c.lambdaTimeoutSeconds * 1000 + 2000);
      expect(c.drainMs).toBeGreaterThan(invokeTimeoutMs(c));
      expect(stopTimeoutSeconds(c) * 1000).toBeGreaterThan(c.drainMs);
    }
  });

  test('refuses an S3 timeout that does not fit inside the Lambda timeout', () => {
    expect(() => from({ lambdaTimeoutSeconds: 3, s3TimeoutMs: 3000 })).toThrow(/s3TimeoutMs \(3000\) must be below the Lambda timeout/);
    // Two scripted attempts must fit the function's timeout after the handler's reserve: 10 s - 1.5 s holds 2 × 4250 ms, not 2 × 4300.
    expect(from({ scriptTimeoutMs: 4250 }).scriptTimeoutMs).toBe(4250);
    expect(() => from({ scriptTimeoutMs: 4300 })).toThrow(/scriptTimeoutMs: script timeout \(4300 ms\) × 2 attempts must fit in the function timeout \(10000 ms\)/);
  });

  test('refuses an internet-facing endpoint without TLS unless explicitly allowed', () => {
    expect(() => from({ internetFacing: true })).toThrow(/in clear.*certificateArn.*allowPlaintextInternet=true/s);
    expect(from({ internetFacing: true, allowPlaintextInternet: true }).internetFacing).toBe(true);
    const arn = 'arn:aws:acm:eu-west-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666';
    expect(from({ internetFacing: true, certificateArn: arn }).certificateArn).toBe(arn);
  });

  test.each([
    [{ lambdaTimeoutSeconds: 'ten' }, /lambdaTimeoutSeconds="ten" must be an integer/],
    [{ lambdaTimeoutSeconds: 901 }, /must be an integer in \[1, 900\]/],
    [{ dev: 'yes' }, /dev="yes" must be true or false/],
    [{ proxyArch: 'arm' }, /must be one of arm64, x86_64/],
    [{ clientCidr: '10.0.0.0' }, /clientCidr="10.0.0.0" is not valid/],
    [{ certificateArn: 'my-cert' }, /certificateArn="my-cert" is not valid/],
    [{ minTasks: 3, maxTasks: 2 }, /minTasks \(3\) exceeds maxTasks \(2\)/],
    [{ tasks: 5, maxTasks: 4 }, /tasks \(5\) must lie between/],
    [{ drainMs: 116000 }, /drainMs \(116000\) leaves no room under Fargate's 120 s stop timeout/],
    [{ drainMs: 5000 }, /drainMs \(5000\) must be at least the proxy's invoke timeout \(12000 ms\)/],
    [{ lambdaTimeoutSeconds: 120 }, /leaves no room under Fargate's 120 s stop timeout/],
    [{ logRetentionDays: 2 }, /logRetentionDays \(2\) must be one of CloudWatch's values/],
    [{ documentKey: 'data/*.json' }, /documentKey="data\/\*\.json" is not valid/],
    [{ documentKey: 'snapshots/db.json' }, /must not lie under snapshots\//],
  ])('refuses %j', (ctx, message) => {
    expect(() => from(ctx)).toThrow(message);
  });

  test('an explicit null or empty value means "use the default"', () => {
    expect(from({ lambdaMemoryMb: null, certificateArn: '' })).toMatchObject({ lambdaMemoryMb: DEFAULTS.lambdaMemoryMb, certificateArn: undefined });
  });
});
