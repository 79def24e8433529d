/**
 * The page GC's deployment (lib/page-gc.ts) and the bucket policy around
 * pages (lib/document-bucket.ts): IAM for the page prefix and nothing more.
 */
import { Match } from 'aws-cdk-lib/assertions';
import { GRACE_MS } from '../../lambda/pages/layout';
import { actions, build, built, logicalIdOf, objectArn, only, statementsOfRole, type Statement } from './helpers';

const gcProps = { Environment: { Variables: Match.objectLike({ VALTHREE_GC_GRACE_MS: Match.anyValue() }) } };
type Policy = { Statement: (Statement & { Principal?: unknown })[] };

describe('page GC function', () => {
  const { dataTemplate: t } = built();
  const bucketId = logicalIdOf(t, 'AWS::S3::Bucket');
  const fn = only(t, 'AWS::Lambda::Function', gcProps);
  const fnId = logicalIdOf(t, 'AWS::Lambda::Function', gcProps);
  const roleId = (fn.Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];

  test('runs lambda/gc.ts every 15 minutes with retries, with the document, the snapshot prefix and the derived grace', () => {
    expect(fn.Properties).toMatchObject({
      Runtime: 'nodejs22.x',
      Architectures: ['arm64'],
      Timeout: 300,
      Environment: { Variables: { VALTHREE_BUCKET: { Ref: bucketId }, VALTHREE_KEY: 'db.json', VALTHREE_SNAPSHOT_PREFIX: 'snapshots/', VALTHREE_GC_GRACE_MS: String(GRACE_MS) } },
    });
    const rule = only(t, 'AWS::Events::Rule', { ScheduleExpression: 'rate(15 minutes)' });
    expect(rule.Properties).toMatchObject({ State: 'ENABLED', Targets: [{ Arn: { 'Fn::GetAtt': [fnId, 'Arn'] }, RetryPolicy: { MaximumRetryAttempts: 2 } }] });
  });

  test('a longer handler timeout lengthens the grace (lambda/pages/gc.ts)', () => {
    const long = build({ lambdaTimeoutSeconds: 60 }).dataTemplate;
    const f = only(long, 'AWS::Lambda::Function', gcProps);
    expect((f.Properties.Environment as { Variables: Record<string, string> }).Variables.VALTHREE_GC_GRACE_MS).toBe(String(2 * 60_000 + 2 * 5_000));
  });

  test('role: List on the two prefixes (and the key), Get on pages, snapshots and db.json, Delete on pages only; no writes', () => {
    const s3 = statementsOfRole(t, roleId).filter((s) => actions(s).some((a) => a.startsWith('s3:')));
    expect(s3.map(({ Sid, ...s }) => s)).toEqual([
      { Effect: 'Allow', Action: 's3:GetObject', Resource: [objectArn(bucketId, 'db.json'), objectArn(bucketId, 'db.json.pages/*'), objectArn(bucketId, 'snapshots/*')] },
      { Effect: 'Allow', Action: 's3:DeleteObject', Resource: objectArn(bucketId, 'db.json.pages/*') },
      {
        Effect: 'Allow',
        Action: 's3:ListBucket',
        Resource: { 'Fn::GetAtt': [bucketId, 'Arn'] },
        Condition: { StringEquals: { 's3:prefix': ['db.json.pages/', 'snapshots/', 'db.json'] } },
      },
    ]);
    expect(t.toJSON().Resources[roleId].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('no other role may delete anything, and only the handler may create pages', () => {
    const policies = Object.values(t.findResources('AWS::IAM::Policy')) as { Properties: { Roles: { Ref: string }[]; PolicyDocument: Policy } }[];
    const grants = policies.flatMap((p) => p.Properties.PolicyDocument.Statement.map((s) => ({ roles: p.Properties.Roles.map((r) => r.Ref), s })));
    const deleters = grants.filter((g) => actions(g.s).some((a) => a === 's3:DeleteObject' || a === 's3:*'));
    expect(deleters.flatMap((g) => g.roles)).toEqual([roleId]);
    const pageWriters = grants.filter((g) => actions(g.s).includes('s3:PutObject') && JSON.stringify(g.s.Resource).includes('.pages/'));
    expect(pageWriters.flatMap((g) => g.roles)).not.toContain(roleId);
    expect(pageWriters).toHaveLength(1);
  });
});

describe('bucket policy around pages', () => {
  const { dataTemplate: t } = built();
  const bucketId = logicalIdOf(t, 'AWS::S3::Bucket');
  const roleId = (only(t, 'AWS::Lambda::Function', gcProps).Properties.Role as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
  const policy = (tpl = t): Policy => only(tpl, 'AWS::S3::BucketPolicy').Properties.PolicyDocument as Policy;

  test('denies any PutObject on a page without If-None-Match (pages are only ever created), as db.json is guarded', () => {
    expect(policy().Statement.filter((s) => s.Sid === 'DenyPageOverwrites')).toEqual([
      {
        Sid: 'DenyPageOverwrites',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:PutObject',
        Resource: objectArn(bucketId, 'db.json.pages/*'),
        Condition: { Null: { 's3:if-none-match': 'true' } },
      },
    ]);
  });

  test('denies DeleteObject on pages to every principal but the GC role', () => {
    expect(policy().Statement.filter((s) => s.Sid === 'DenyPageDeletesButByTheGc')).toEqual([
      {
        Sid: 'DenyPageDeletesButByTheGc',
        Effect: 'Deny',
        Principal: { AWS: '*' },
        Action: 's3:DeleteObject',
        Resource: objectArn(bucketId, 'db.json.pages/*'),
        Condition: { ArnNotEquals: { 'aws:PrincipalArn': { 'Fn::GetAtt': [roleId, 'Arn'] } } },
      },
    ]);
  });

  test('dev (destroyed with the stack): page deletes stay open for the auto-delete; overwrites stay refused', () => {
    const dev = build({ dev: true }).dataTemplate;
    const sids = policy(dev).Statement.map((s) => s.Sid);
    expect(sids).toContain('DenyPageOverwrites');
    expect(sids).not.toContain('DenyPageDeletesButByTheGc');
  });

  test('a custom document key moves the page prefix everywhere', () => {
    const other = build({ documentKey: 'prod/state.json' }).dataTemplate;
    const id = logicalIdOf(other, 'AWS::S3::Bucket');
    const deny = policy(other).Statement.find((s) => s.Sid === 'DenyPageOverwrites');
    expect(deny?.Resource).toEqual(objectArn(id, 'prod/state.json.pages/*'));
    other.hasResourceProperties('AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ VALTHREE_KEY: 'prod/state.json', VALTHREE_GC_GRACE_MS: Match.anyValue() }) } });
    other.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Action: 's3:DeleteObject', Resource: objectArn(id, 'prod/state.json.pages/*') })]) },
    });
  });
});
