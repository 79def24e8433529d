/**
 * The undo button: a scheduled copy of the document to
 * `snapshots/<ISO time>.json`; the bucket's lifecycle rule expires them.
 */
import { CfnResource, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import type { DocumentBucket } from './document-bucket';
import { ValthreeFunction } from './functions';

export interface SnapshotsProps {
  readonly document: DocumentBucket;
  readonly prefix: string;
  readonly intervalMinutes: number;
  readonly logRetentionDays: number;
  readonly destroyOnDelete: boolean;
}

export class Snapshots extends Construct {
  readonly function: ValthreeFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: SnapshotsProps) {
    super(scope, id);
    const { bucket, documentKey, documentArn } = props.document;
    this.function = new ValthreeFunction(this, 'Snapshot', {
      entry: 'lambda/snapshot.ts',
      description: `Copies s3://…/${documentKey} to ${props.prefix}<time>.json`,
      memoryMb: 256,
      // CopyObject is server-side: even a large document copies in seconds.
      timeout: Duration.minutes(1),
      environment: { VALTHREE_BUCKET: bucket.bucketName, VALTHREE_KEY: documentKey, VALTHREE_SNAPSHOT_PREFIX: props.prefix },
      logRetentionDays: props.logRetentionDays,
      destroyOnDelete: props.destroyOnDelete,
    });
    const role = this.function.role;
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadDocument', actions: ['s3:GetObject'], resources: [documentArn] }));
    const snapshotsArn = bucket.arnForObjects(`${props.prefix}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'WriteSnapshots', actions: ['s3:PutObject'], resources: [snapshotsArn] }));
    // So that a missing document reads as NoSuchKey (nothing to copy yet), not 403.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListDocumentKey',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: { 's3:prefix': [documentKey] } },
      }),
    );
    Validations.of(role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${logicalIdOf(bucket)}.Arn>/${props.prefix}*]`,
      reason: 'Each snapshot is a new object named by its time: the snapshot function may create objects under the snapshots/ prefix only (the document itself is read-only to it).',
    });

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Snapshot ${documentKey} every ${props.intervalMinutes} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(props.intervalMinutes)),
      targets: [new targets.LambdaFunction(this.function.fn, { retryAttempts: 2, maxEventAge: Duration.minutes(Math.min(props.intervalMinutes, 24 * 60)) })],
    });
  }
}

/** The bucket's logical id, as cdk-nag names it in a finding. */
function logicalIdOf(bucket: DocumentBucket['bucket']): string {
  return Stack.of(bucket).resolve((bucket.node.defaultChild as CfnResource).logicalId) as string;
}
