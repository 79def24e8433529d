/**
 * The data plane: the bucket holding db.json, the Lambda that executes
 * batches against it, and the scheduled snapshots. Deployable on its own
 * (LocalStack's free edition has S3 and Lambda but no ECS or NLB).
 */
import { CfnOutput, Duration, Stack, Validations, type CfnResource, type StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import { Construct } from 'constructs';
import type { ValthreeConfig } from './config';
import { DocumentBucket } from './document-bucket';
import { ValthreeFunction } from './functions';
import { PageGc } from './page-gc';
import { Snapshots } from './snapshots';

/** Namespace and service dimension of the handler's EMF metrics (lambda/handler.ts). */
export const METRICS_NAMESPACE = 'Valthree';
export const METRICS_SERVICE = 'valthree';
export const SNAPSHOT_PREFIX = 'snapshots/';

export type DataPlaneConfig = Pick<
  ValthreeConfig,
  | 'dev'
  | 'documentKey'
  | 'versioning'
  | 's3RequestMetrics'
  | 'lambdaMemoryMb'
  | 'lambdaTimeoutSeconds'
  | 's3TimeoutMs'
  | 'scriptTimeoutMs'
  | 'maxDocumentBytes'
  | 'logRetentionDays'
  | 'snapshotIntervalMinutes'
  | 'snapshotRetentionDays'
>;

export interface DataPlaneStackProps extends StackProps {
  readonly config: DataPlaneConfig;
}

export class DataPlaneStack extends Stack {
  readonly document: DocumentBucket;
  readonly handler: NodejsFunction;
  readonly snapshots: Snapshots;
  readonly pageGc: PageGc;
  readonly config: DataPlaneConfig;

  constructor(scope: Construct, id: string, props: DataPlaneStackProps) {
    super(scope, id, props);
    const c = (this.config = props.config);

    this.document = new DocumentBucket(this, 'Document', {
      documentKey: c.documentKey,
      snapshotPrefix: SNAPSHOT_PREFIX,
      snapshotRetentionDays: c.snapshotRetentionDays,
      versioning: c.versioning,
      requestMetrics: c.s3RequestMetrics,
      destroyOnDelete: c.dev,
    });
    const { bucket, documentKey, documentArn, probeArn, pagesPrefix, pagesArn } = this.document;

    const store = new ValthreeFunction(this, 'Handler', {
      entry: 'lambda/main.ts',
      description: `valthree: executes command batches against s3://…/${documentKey}`,
      memoryMb: c.lambdaMemoryMb,
      timeout: Duration.seconds(c.lambdaTimeoutSeconds),
      environment: {
        VALTHREE_BUCKET: bucket.bucketName,
        VALTHREE_KEY: documentKey,
        VALTHREE_S3_TIMEOUT_MS: String(c.s3TimeoutMs),
        VALTHREE_SCRIPT_TIMEOUT_MS: String(c.scriptTimeoutMs),
        ...(c.maxDocumentBytes ? { VALTHREE_MAXMEMORY: String(c.maxDocumentBytes) } : {}),
        POWERTOOLS_SERVICE_NAME: METRICS_SERVICE,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
      },
      logRetentionDays: c.logRetentionDays,
      destroyOnDelete: c.dev,
    });
    this.handler = store.fn;

    // Exactly what the handler does: GET and conditional PUT of the document
    // and of the safety check's probe object. Nothing else in the bucket.
    store.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'DocumentAndProbe', actions: ['s3:GetObject', 's3:PutObject'], resources: [documentArn, probeArn] }),
    );
    // The writer lease beside the document (lambda/lease.ts): the handler
    // takes and renews it for the proxies, which keep needing no S3 access.
    const leaseArn = bucket.arnForObjects(`${documentKey}.writer`);
    store.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriterLease', actions: ['s3:GetObject', 's3:PutObject'], resources: [leaseArn] }));
    // Pages (lambda/pages/layout.ts §10): read, and created (the bucket policy
    // refuses a PUT without If-None-Match). Never deleted: that is the GC's.
    store.role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'Pages', actions: ['s3:GetObject', 's3:PutObject'], resources: [pagesArn] }));
    // Without ListBucket, S3 answers GET on a missing key with 403 instead of
    // 404, and the first command on a fresh bucket would fail. s3:prefix keeps
    // it to the three keys above.
    store.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListDocumentAndProbe',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: { 's3:prefix': [documentKey, `${documentKey}.probe`, `${documentKey}.writer`] } },
      }),
    );
    // The same for pages: a missing page must read as missing (layout.ts §7:
    // re-read the root, restart or PageMissingError), never as AccessDenied.
    store.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'ListPages', actions: ['s3:ListBucket'], resources: [bucket.bucketArn], conditions: { StringLike: { 's3:prefix': [`${pagesPrefix}*`] } } }),
    );
    Validations.of(store.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${Stack.of(this).resolve((bucket.node.defaultChild as CfnResource).logicalId) as string}.Arn>/${pagesPrefix}*]`,
      reason: 'Pages are immutable objects named per upload under the document\'s page prefix: the handler reads them and creates new ones (the bucket policy refuses overwrites); it cannot delete them.',
    });

    this.snapshots = new Snapshots(this, 'Snapshots', {
      document: this.document,
      prefix: SNAPSHOT_PREFIX,
      intervalMinutes: c.snapshotIntervalMinutes,
      logRetentionDays: c.logRetentionDays,
      destroyOnDelete: c.dev,
    });

    this.pageGc = new PageGc(this, 'PageGc', {
      document: this.document,
      snapshotPrefix: SNAPSHOT_PREFIX,
      handlerTimeout: Duration.seconds(c.lambdaTimeoutSeconds),
      logRetentionDays: c.logRetentionDays,
      destroyOnDelete: c.dev,
    });

    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'Bucket holding the document' });
    new CfnOutput(this, 'DocumentKey', { value: documentKey, description: 'Object key of the document' });
    new CfnOutput(this, 'FunctionName', { value: this.handler.functionName, description: 'Pass to the proxy as --function' });
  }
}
