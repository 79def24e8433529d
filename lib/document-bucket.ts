/**
 * The bucket that holds db.json: private, encrypted, TLS-only, and a policy
 * that refuses any unconditional write to the document.
 */
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { pagePrefix } from '../lambda/pages/name';

export interface DocumentBucketProps {
  /** Object key of the document. */
  readonly documentKey: string;
  /** Prefix the snapshot function writes to (ends with '/'). */
  readonly snapshotPrefix: string;
  readonly snapshotRetentionDays: number;
  readonly versioning: boolean;
  /** S3 request metrics filtered to the document (for the 5xx alarm). */
  readonly requestMetrics: boolean;
  /** Destroy the bucket and its objects with the stack (dev/test only). */
  readonly destroyOnDelete: boolean;
}

/** Id of the request-metrics filter: the CloudWatch dimension FilterId. */
export const DOCUMENT_METRICS_FILTER = 'Document';

export class DocumentBucket extends Construct {
  readonly bucket: s3.Bucket;
  readonly documentKey: string;
  /** ARN of the document object. */
  readonly documentArn: string;
  /** ARN of the storage safety check's probe object, beside the document. */
  readonly probeArn: string;
  /** Where the document's pages live (`<key>.pages/`, lambda/pages/name.ts), and the ARN of every page. */
  readonly pagesPrefix: string;
  readonly pagesArn: string;
  private readonly destroyOnDelete: boolean;

  constructor(scope: Construct, id: string, props: DocumentBucketProps) {
    super(scope, id);
    this.documentKey = props.documentKey;
    this.destroyOnDelete = props.destroyOnDelete;

    this.bucket = new s3.Bucket(this, 'Bucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      minimumTLSVersion: 1.2,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      versioned: props.versioning,
      // The bucket *is* the database: by default it outlives the stack.
      removalPolicy: props.destroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
      autoDeleteObjects: props.destroyOnDelete,
      lifecycleRules: [
        { id: 'ExpireSnapshots', prefix: props.snapshotPrefix, expiration: Duration.days(props.snapshotRetentionDays) },
        // With versioning on, every commit leaves a noncurrent version: keep them briefly.
        ...(props.versioning ? [{ id: 'ExpireNoncurrent', noncurrentVersionExpiration: Duration.days(1) }] : []),
      ],
      metrics: props.requestMetrics ? [{ id: DOCUMENT_METRICS_FILTER, prefix: props.documentKey }] : undefined,
    });

    this.documentArn = this.bucket.arnForObjects(props.documentKey);
    this.probeArn = this.bucket.arnForObjects(`${props.documentKey}.probe`);
    this.pagesPrefix = pagePrefix(props.documentKey);
    this.pagesArn = this.bucket.arnForObjects(`${this.pagesPrefix}*`);

    // The one guarantee valthree rests on is compare-and-swap on db.json. A
    // PutObject without If-Match / If-None-Match (a bug, an old client, an
    // operator's `aws s3 cp`) would overwrite it blindly and lose commits, so
    // S3 itself refuses it. Both condition keys are Null only when neither
    // header was sent. (This also refuses CopyObject onto the document, which
    // the restore runbook accounts for.)
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyUnconditionalWritesToDocument',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.documentArn],
        conditions: { Null: { 's3:if-match': 'true', 's3:if-none-match': 'true' } },
      }),
    );

    // Pages are immutable (layout.ts §4): created with If-None-Match: *, never
    // overwritten, since a reader holding an older root trusts a page's name
    // to mean its bytes. A PutObject there without that header is refused.
    // (s3:if-none-match is a documented S3 condition key for PutObject; this
    // also refuses CopyObject and multipart uploads there, which pages never use.)
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPageOverwrites',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:PutObject'],
        resources: [this.pagesArn],
        conditions: { Null: { 's3:if-none-match': 'true' } },
      }),
    );

    Validations.of(this.bucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'Server access logs would record every commit (many per second) into a second bucket, costing more than the data. ' +
        'Per-request visibility comes from the S3 request metrics on the document and the Lambda logs; enable CloudTrail data events when an audit trail is needed.',
    });
  }

  /**
   * Only `role` (the page GC) may delete pages: a page a root still names,
   * deleted by anyone else (an operator's cleanup, a bug), loses data. Left
   * out when the stack destroys its bucket, whose auto-delete must empty it.
   */
  restrictPageDeletes(role: iam.IRole): void {
    if (this.destroyOnDelete) return;
    this.bucket.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'DenyPageDeletesButByTheGc',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['s3:DeleteObject'],
        resources: [this.pagesArn],
        conditions: { ArnNotEquals: { 'aws:PrincipalArn': role.roleArn } },
      }),
    );
  }
}
