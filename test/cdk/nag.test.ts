import { App, Stack, Validations } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { build } from './helpers';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666';

/** Findings that are neither fixed nor acknowledged, as "rule @ construct path". */
function unacknowledged(scope: IConstruct): string[] {
  const report = new AwsSolutionsChecks(scope).validateScope(scope);
  return report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} @ ${r.locations?.join(',') ?? r.resourceLogicalId}`));
}

type Ack = { id: string; reason: string };
/** Our cdk-nag acknowledgments (metadata `{ "Annotation::<rule>": reason }`; CDK adds its own for other validators). */
function acknowledgments(scope: IConstruct): { path: string; ack: Ack }[] {
  return scope.node.findAll().flatMap((c) =>
    c.node.metadata
      .filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY)
      .flatMap((m) => Object.entries(m.data as Record<string, string>))
      .filter(([key]) => key.includes('AwsSolutions-'))
      .map(([key, reason]) => ({ path: c.node.path, ack: { id: key.replace(/^Annotation::/, ''), reason } })),
  );
}

describe('cdk-nag AwsSolutionsChecks', () => {
  test.each([
    ['defaults', {}],
    ['dev', { dev: true, versioning: true }],
    ['internet-facing with TLS, open to all', { internetFacing: true, certificateArn: CERT, clientCidr: '0.0.0.0/0', endpointHostname: 'redis.example.com' }],
    ['NAT, autoscaling, alarm e-mail, no Container Insights', { natGateways: 2, maxTasks: 6, alarmEmail: 'ops@example.com', containerInsights: false }],
    ['plaintext opt-in, no request metrics, x86', { internetFacing: true, allowPlaintextInternet: true, clientCidr: '198.51.100.7/32', s3RequestMetrics: false, proxyArch: 'x86_64' }],
  ])('%s: no unacknowledged findings in either stack', (_name, context) => {
    const b = build(context);
    expect(unacknowledged(b.data)).toEqual([]);
    expect(unacknowledged(b.service)).toEqual([]);
  });

  test('every acknowledgment names an exact rule and says why', () => {
    const acks = acknowledgments(build({ containerInsights: false, clientCidr: '0.0.0.0/0', internetFacing: true, certificateArn: CERT, alarmEmail: 'a@b.c' }).app);
    expect(acks.map((a) => a.ack.id.replace(/<DocumentBucket[0-9A-F]{8}\.Arn>/, '<Bucket.Arn>')).sort()).toEqual(
      [
        'AwsSolutions-ECS2',
        'AwsSolutions-ECS4',
        'AwsSolutions-EC23',
        'AwsSolutions-ELB2',
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-IAM5[Resource::<Bucket.Arn>/snapshots/*]',
        // The page GC reads snapshot roots; it and the handler use the page prefix (lib/page-gc.ts, lib/data-plane-stack.ts).
        'AwsSolutions-IAM5[Resource::<Bucket.Arn>/snapshots/*]',
        'AwsSolutions-IAM5[Resource::<Bucket.Arn>/db.json.pages/*]',
        'AwsSolutions-IAM5[Resource::<Bucket.Arn>/db.json.pages/*]',
        'AwsSolutions-L1',
        'AwsSolutions-L1',
        'AwsSolutions-L1',
        'AwsSolutions-S1',
        'AwsSolutions-SMG4',
        'AwsSolutions-SNS2',
      ].sort(),
    );
    for (const { path, ack } of acks) expect({ path, long: ack.reason.length > 60 }).toEqual({ path, long: true });
  });

  test('the checks do fire: a plain bucket is reported', () => {
    const app = new App();
    const stack = new Stack(app, 'Plain');
    new s3.Bucket(stack, 'B');
    expect(unacknowledged(stack)).toEqual(expect.arrayContaining([expect.stringMatching(/^AwsSolutions-S1 /), expect.stringMatching(/^AwsSolutions-S10 /)]));
  });

  test('the default-config acknowledgments do not hide the EC23 and ECS4 rules', () => {
    // They are acknowledged only when the setting asks for it.
    const ids = acknowledgments(build().app).map((a) => a.ack.id);
    expect(ids).not.toContain('AwsSolutions-EC23');
    expect(ids).not.toContain('AwsSolutions-ECS4');
  });
});
