import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { DataPlaneStack } from '../../lib/data-plane-stack';
import { parseConfig } from '../../lib/config';
import { actions, build, built, cdkJson, logicalIdOf, objectArn, only, resources, statementsOfRole, strings } from './helpers';

describe('document bucket', () => {
  const { dataTemplate: t } = built();
  const bucketId = logicalIdOf(t, 'AWS::S3::Bucket');

  test('is private, encrypted, owner-enforced, unversioned, and retained with the stack', () => {
    const b = only(t, 'AWS::S3::Bucket');
    expect(b.Properties).toMatchObject({
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
    });
    expect(b.Properties.VersioningConfiguration).toBeUndefined();
    expect(b.DeletionPolicy).toBe('Retain');
    expect(b.UpdateReplacePolicy).toBe('Retain');
  });

  test('expires snapshots by lifecycle and publishes request metrics for the document only', () => {
    const b = only(t, 'AWS::S3::Bucket');
    expect(b.Properties.LifecycleConfiguration).toEqual({ Rules: [{ Id: 'ExpireSnapshots', Prefix: 'snapshots/', ExpirationInDays: 7, Status: 'Enabled' }] });
    expect(b.Properties.MetricsConfigurations).toEqual([{ Id: 'Document', Prefix: 'db.json' }]);
  });

  test('policy denies any PutObject on the document that carries neither If-Match nor If-None-Match', () => {
    const policy = only(t, 'AWS::S3::BucketPolicy').Properties.PolicyDocument as { Statement: Record<string, unknown>[] };
    const deny = policy.Statement.filter((s) => s.Sid === 'DenyUnconditionalWritesToDocument');
    expect(deny).toEqual([
      {
        Sid: 'DenyUnconditionalWritesToDocument',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: objectArn(bucketId, 'db.json'),
        // Null on both keys: denied only when neither header was sent.
        Condition: { Null: { 's3:if-match': 'true', 's3:if-none-match': 'true' } },
      },
    ]);
  });

  test('policy denies every request without TLS (and below TLS 1.2)', () => {
    const policy = only(t, 'AWS::S3::BucketPolicy').Properties.PolicyDocument as { Statement: Record<string, unknown>[] };
    expect(policy.Statement).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        expect.objectContaining({ Effect: 'Deny', Action: 's3:*', Condition: { NumericLessThan: { 's3:TlsVersion': 1.2 } } }),
      ]),
    );
  });

  test('dev=true destroys the bucket and its objects with the stack; versioning=true turns versioning on', () => {
    const dev = build({ dev: true, versioning: true }).dataTemplate;
    const b = only(dev, 'AWS::S3::Bucket');
    expect(b.DeletionPolicy).toBe('Delete');
    expect(b.Properties.VersioningConfiguration).toEqual({ Status: 'Enabled' });
    expect(Object.keys(dev.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(1);
    expect(Object.keys(t.findResources('Custom::S3AutoDeleteObjects'))).toHaveLength(0);
  });
});

describe('handler Lambda', () => {
  const { dataTemplate: t, config } = built();
  const bucketId = logicalIdOf(t, 'AWS::S3::Bucket');
  const fnProps = { Handler: 'index.handler', Environment: { Variables: Match.objectLike({ VALTHREE_S3_TIMEOUT_MS: Match.anyValue() }) } };

  test('runs Node 22 on arm64 with the configured memory and timeout, bucket and key in its environment', () => {
    const fn = only(t, 'AWS::Lambda::Function', fnProps);
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      MemorySize: config.lambdaMemoryMb,
      Timeout: 10,
      Environment: {
        Variables: {
          VALTHREE_BUCKET: { Ref: bucketId },
          VALTHREE_KEY: 'db.json',
          VALTHREE_S3_TIMEOUT_MS: '3000',
          POWERTOOLS_SERVICE_NAME: 'valthree',
          POWERTOOLS_METRICS_NAMESPACE: 'Valthree',
        },
      },
    });
    expect(fn.Properties.Description).toMatch(/db\.json/);
  });

  test('logs to its own log group with retention', () => {
    const fn = only(t, 'AWS::Lambda::Function', fnProps);
    const logId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(t.toJSON().Resources[logId]).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 }, DeletionPolicy: 'Retain' });
  });

  test('role: Get/Put on the document, its probe, its writer lease and its pages, ListBucket limited by s3:prefix, its own logs — nothing else, no other wildcard', () => {
    const fn = only(t, 'AWS::Lambda::Function', fnProps);
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const statements = statementsOfRole(t, roleId);
    const logId = (fn.Properties.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
    expect(statements.map(({ Sid, ...s }) => s)).toEqual([
      { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: { 'Fn::GetAtt': [logId, 'Arn'] } },
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: [objectArn(bucketId, 'db.json'), objectArn(bucketId, 'db.json.probe')] },
      // The writer lease (lambda/lease.ts): exactly that one object, taken and renewed for the proxies.
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: objectArn(bucketId, 'db.json.writer') },
      // Pages (layout.ts §10): read and created, never deleted.
      { Effect: 'Allow', Action: ['s3:GetObject', 's3:PutObject'], Resource: objectArn(bucketId, 'db.json.pages/*') },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringEquals: { 's3:prefix': ['db.json', 'db.json.probe', 'db.json.writer'] } },
      },
      // Listable so that a missing page reads as 404, not 403.
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringLike: { 's3:prefix': ['db.json.pages/*'] } } },
    ]);
    expect(strings(statements.flatMap(resources)).filter((s) => s.includes('*'))).toEqual(['/db.json.pages/*']);
    // No managed policies either (AWSLambdaBasicExecutionRole may write to any log group).
    expect(t.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('a custom document key moves the policy, the IAM grants and the environment with it', () => {
    const other = build({ documentKey: 'prod/state.json' }).dataTemplate;
    const id = logicalIdOf(other, 'AWS::S3::Bucket');
    const policy = only(other, 'AWS::S3::BucketPolicy').Properties.PolicyDocument as { Statement: { Sid?: string; Resource: unknown }[] };
    expect(policy.Statement.find((s) => s.Sid === 'DenyUnconditionalWritesToDocument')?.Resource).toEqual(objectArn(id, 'prod/state.json'));
    other.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ VALTHREE_KEY: 'prod/state.json' }) } });
    other.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Action: ['s3:GetObject', 's3:PutObject'], Resource: [objectArn(id, 'prod/state.json'), objectArn(id, 'prod/state.json.probe')] }),
        ]),
      },
    });
  });
});

describe('snapshots', () => {
  const { dataTemplate: t } = built();
  const bucketId = logicalIdOf(t, 'AWS::S3::Bucket');
  // The page GC reads the snapshot prefix too; it alone has a grace.
  const fnProps = { Environment: { Variables: Match.objectLike({ VALTHREE_SNAPSHOT_PREFIX: 'snapshots/', VALTHREE_GC_GRACE_MS: Match.absent() }) } };

  test('an EventBridge rule runs the snapshot function on a schedule, with retries', () => {
    const fnId = logicalIdOf(t, 'AWS::Lambda::Function', fnProps);
    const rule = only(t, 'AWS::Events::Rule', { ScheduleExpression: 'rate(1 hour)' });
    expect(rule.Properties).toMatchObject({
      ScheduleExpression: 'rate(1 hour)',
      State: 'ENABLED',
      Targets: [{ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }],
    });
    t.hasResourceProperties('AWS::Lambda::Permission', { FunctionName: { 'Fn::GetAtt': [fnId, 'Arn'] }, Principal: 'events.amazonaws.com' });
  });

  test('the snapshot role reads the document and writes only under snapshots/', () => {
    const fn = only(t, 'AWS::Lambda::Function', fnProps);
    expect(fn.Properties).toMatchObject({ Runtime: 'nodejs22.x', Architectures: ['arm64'], Handler: 'index.handler' });
    const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const s3 = statementsOfRole(t, roleId).filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    expect(s3.map(({ Sid, ...s }) => s)).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: objectArn(bucketId, 'db.json') },
      { Effect: 'Allow', Action: 's3:PutObject', Resource: objectArn(bucketId, 'snapshots/*') },
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] }, Condition: { StringEquals: { 's3:prefix': ['db.json'] } } },
    ]);
  });
});

describe('the data plane alone (LocalStack)', () => {
  test('synthesizes without the service stack and holds no ECS, ELB or VPC resources', () => {
    const app = new App({ context: { ...cdkJson().context, 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
    const stack = new DataPlaneStack(app, 'Data', { config: parseConfig((k) => app.node.tryGetContext(k)) });
    const t = Template.fromStack(stack);
    const types = new Set(Object.values(t.toJSON().Resources as Record<string, { Type: string }>).map((r) => r.Type));
    expect([...types].filter((x) => /ECS|ElasticLoadBalancing|EC2/.test(x))).toEqual([]);
    expect(Object.keys(t.toJSON().Outputs)).toEqual(expect.arrayContaining(['BucketName', 'FunctionName', 'DocumentKey']));
  });
});

describe('bundling (local esbuild, SDK bundled)', () => {
  // One real bundle, read back from the cloud assembly.
  const b = build({}, { bundle: true });
  const assembly = b.app.synth();
  const handlerAsset = () => {
    const fns = b.dataTemplate.findResources('AWS::Lambda::Function', { Properties: { Environment: { Variables: Match.objectLike({ VALTHREE_S3_TIMEOUT_MS: '3000' }) } } });
    const [fn] = Object.values(fns) as { Properties: { Code: { S3Key: string } } }[];
    // The asset's S3 key is its hash; the cloud assembly stages it as asset.<hash>.
    return path.join(assembly.directory, `asset.${fn.Properties.Code.S3Key.replace(/\.zip$/, '')}`);
  };

  test('the handler bundle contains the pinned AWS SDK instead of requiring the runtime copy', () => {
    const code = fs.readFileSync(path.join(handlerAsset(), 'index.js'), 'utf8');
    expect(code.includes('PutObjectCommand')).toBe(true);
    expect(code.includes('NodeHttpHandler')).toBe(true);
    const required = new Set([...code.matchAll(/require\(["'](@(?:aws-sdk|smithy)\/[^"']+)["']\)/g)].map((m) => m[1]));
    // Only the SDK's optional SigV4a signers (multi-region access points, loaded in a try/catch) stay external.
    const optional = new Set(['@aws-sdk/signature-v4-crt', '@aws-sdk/signature-v4a']);
    expect([...required].filter((m) => !optional.has(m))).toEqual([]);
    expect(fs.existsSync(path.join(handlerAsset(), 'index.js.map'))).toBe(true);
  });

  test('the handler bundle exports `handler`', () => {
    const mod = { exports: {} as Record<string, unknown> };
    // Load the bundle as Lambda would (CommonJS), without running a request.
    new Function('module', 'exports', 'require', fs.readFileSync(path.join(handlerAsset(), 'index.js'), 'utf8'))(mod, mod.exports, require);
    expect(typeof mod.exports.handler).toBe('function');
  });
});
