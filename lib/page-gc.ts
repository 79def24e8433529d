/**
 * The page GC (lambda/gc.ts, layout.ts §8): a scheduled function of its own
 * that deletes pages no root references any more.
 *
 * Its own function, not a step of the snapshot function: the snapshot role
 * must not be able to delete, nor this one to write; garbage piles up at the
 * retire rate (at full write load ~12 pages/s, ~40k an hour), which wants a
 * schedule of minutes, not the snapshot interval (an hour by default, up to
 * a week); and a GC that stops on an unreadable root must not stop the
 * snapshots, the undo button.
 */
import { Duration, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { DEFAULT_TIMING, graceMs } from '../lambda/pages/gc';
import type { DocumentBucket } from './document-bucket';
import { ValthreeFunction } from './functions';

/** Often enough that a run's deletes stay in the thousands; a run that finds no pages costs one LIST. */
export const PAGE_GC_INTERVAL_MINUTES = 15;

export interface PageGcProps {
  readonly document: DocumentBucket;
  readonly snapshotPrefix: string;
  /** The handler's timeout: the grace grows with it (lambda/pages/gc.ts). */
  readonly handlerTimeout: Duration;
  readonly logRetentionDays: number;
  readonly destroyOnDelete: boolean;
}

export class PageGc extends Construct {
  readonly function: ValthreeFunction;
  readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: PageGcProps) {
    super(scope, id);
    const { bucket, documentKey, documentArn, pagesPrefix, pagesArn } = props.document;
    const grace = graceMs({ ...DEFAULT_TIMING, runMs: props.handlerTimeout.toMilliseconds() });
    this.function = new ValthreeFunction(this, 'PageGc', {
      entry: 'lambda/gc.ts',
      description: `Deletes pages under s3://…/${pagesPrefix} that neither ${documentKey} nor a snapshot references`,
      memoryMb: 512,
      // Reads the retained snapshot roots one at a time (format 3 ones up to 32 MiB) and deletes in the thousands.
      timeout: Duration.minutes(5),
      environment: { VALTHREE_BUCKET: bucket.bucketName, VALTHREE_KEY: documentKey, VALTHREE_SNAPSHOT_PREFIX: props.snapshotPrefix, VALTHREE_GC_GRACE_MS: String(grace) },
      logRetentionDays: props.logRetentionDays,
      destroyOnDelete: props.destroyOnDelete,
    });
    const role = this.function.role;
    const snapshotsArn = bucket.arnForObjects(`${props.snapshotPrefix}*`);
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'ReadRoots', actions: ['s3:GetObject'], resources: [documentArn, snapshotsArn, pagesArn] }));
    role.addToPrincipalPolicy(new iam.PolicyStatement({ sid: 'DeletePages', actions: ['s3:DeleteObject'], resources: [pagesArn] }));
    // The two listings the run makes, and the document's key so that a missing db.json reads as 404, not 403.
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListPagesAndSnapshots',
        actions: ['s3:ListBucket'],
        resources: [bucket.bucketArn],
        conditions: { StringEquals: { 's3:prefix': [pagesPrefix, props.snapshotPrefix, documentKey] } },
      }),
    );
    const bucketId = Stack.of(bucket).resolve((bucket.node.defaultChild as CfnResource).logicalId) as string;
    Validations.of(role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${props.snapshotPrefix}*]`,
        reason: 'The GC reads every retained snapshot root (one object per snapshot, named by its time) to keep the pages it references; read-only.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::<${bucketId}.Arn>/${pagesPrefix}*]`,
        reason: 'Pages are immutable objects named per upload under the document\'s page prefix; the GC reads node pages and deletes unreferenced pages there, nowhere else.',
      },
    );
    props.document.restrictPageDeletes(role);

    this.rule = new events.Rule(this, 'Schedule', {
      description: `Page GC of ${documentKey} every ${PAGE_GC_INTERVAL_MINUTES} minutes`,
      schedule: events.Schedule.rate(Duration.minutes(PAGE_GC_INTERVAL_MINUTES)),
      // A run that fails is retried; a missed run is no loss, the next one does its work.
      targets: [new targets.LambdaFunction(this.function.fn, { retryAttempts: 2, maxEventAge: Duration.minutes(PAGE_GC_INTERVAL_MINUTES) })],
    });
  }
}
