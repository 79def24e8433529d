/**
 * Alarms and the dashboard. Every alarm treats missing data as OK: an idle
 * database emits no datapoints, and idleness is not an incident.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import type * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { METRICS_NAMESPACE, METRICS_SERVICE } from './data-plane-stack';
import { DOCUMENT_METRICS_FILTER } from './document-bucket';

export interface MonitoringProps {
  readonly function: IFunction;
  readonly lambdaTimeout: Duration;
  readonly bucketName: string;
  /** False when S3 request metrics are off: then there is no S3 5xx alarm. */
  readonly s3RequestMetrics: boolean;
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  readonly service: ecs.FargateService;
  readonly conflictsThreshold: number;
  readonly alarmEmail?: string;
}

/** The Lambda's EMF metrics (lambda/handler.ts): namespace Valthree, dimension service=valthree. */
export function valthreeMetric(name: string, statistic: string, period = Duration.minutes(1)): cloudwatch.Metric {
  return new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, dimensionsMap: { service: METRICS_SERVICE }, statistic, period });
}

export class Monitoring extends Construct {
  readonly alarms: Record<string, cloudwatch.Alarm> = {};
  readonly dashboard: cloudwatch.Dashboard;
  readonly topic?: sns.Topic;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const fn = props.function;
    const five = Duration.minutes(5);
    const s3Metric = (name: string) =>
      new cloudwatch.Metric({
        namespace: 'AWS/S3',
        metricName: name,
        dimensionsMap: { BucketName: props.bucketName, FilterId: DOCUMENT_METRICS_FILTER },
        statistic: 'Sum',
        period: five,
      });

    const alarm = (name: string, metric: cloudwatch.IMetric, threshold: number, description: string, evaluationPeriods = 1) => {
      this.alarms[name] = new cloudwatch.Alarm(this, name, {
        metric,
        threshold,
        evaluationPeriods,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
        alarmDescription: description,
      });
    };

    // The handler turns S3 trouble into failure replies; Errors means it
    // crashed or hit its timeout, i.e. a bug or an undersized function.
    alarm('LambdaErrors', fn.metricErrors({ period: five, statistic: 'Sum' }), 1, 'The valthree Lambda crashed or timed out (clients got an error for a whole batch).');
    alarm('LambdaThrottles', fn.metricThrottles({ period: five, statistic: 'Sum' }), 1, 'Lambda throttled valthree invocations: raise the account concurrency limit or reserve concurrency.');
    // Close to the timeout, the next slow S3 call turns into an ambiguous outcome.
    alarm(
      'LambdaDurationNearTimeout',
      fn.metricDuration({ period: five, statistic: 'Maximum' }),
      Math.round(props.lambdaTimeout.toMilliseconds() * 0.8),
      'A valthree invocation ran for more than 80% of its timeout: the document is large or S3 is slow.',
    );
    if (props.s3RequestMetrics) {
      // S3 answers an occasional 500/503 by design (the SDK retries reads);
      // alarm on a sustained rate, not on one.
      alarm('S3ServerErrors', s3Metric('5xxErrors'), 5, 'S3 answered 5xx on the document repeatedly (503 SlowDown: the document is past S3\'s per-prefix rate).', 2);
    }
    alarm(
      'UnhealthyTargets',
      props.targetGroup.metrics.unHealthyHostCount({ period: Duration.minutes(1), statistic: 'Maximum' }),
      1,
      'A valthree proxy task fails the NLB health check.',
      3,
    );
    alarm(
      'Conflicts',
      valthreeMetric('Conflicts', 'Sum', five),
      props.conflictsThreshold,
      'Many conditional writes to db.json lost a race: write contention is high (batches retry, latency rises).',
    );
    alarm(
      'UnknownOutcomes',
      valthreeMetric('UnknownOutcomes', 'Sum', five),
      1,
      'A commit ended with an unknown outcome (S3 timeout or 5xx on PUT): clients got an error for a command that may have taken effect.',
    );

    if (props.alarmEmail) {
      this.topic = new sns.Topic(this, 'Alarms', { displayName: 'valthree alarms', enforceSSL: true });
      this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
      for (const a of Object.values(this.alarms)) a.addAlarmAction(new actions.SnsAction(this.topic));
      Validations.of(this.topic).acknowledge({
        id: 'AwsSolutions-SNS2',
        reason: 'Alarm notifications carry no data. CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key costs more than the topic.',
      });
    }

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', { defaultInterval: Duration.hours(3) });
    // Sums per minute → rates. Each expression needs its own metric id within a graph.
    const perSecond = (id: string, m: cloudwatch.Metric, label: string) =>
      new cloudwatch.MathExpression({ expression: `${id} / PERIOD(${id})`, usingMetrics: { [id]: m }, label, period: Duration.minutes(1) });
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Commands and commits per second',
        left: [
          perSecond('commands', valthreeMetric('Commands', 'Sum'), 'commands/s'),
          perSecond('commits', valthreeMetric('Commits', 'Sum'), 'commits/s'),
          perSecond('batches', valthreeMetric('Batches', 'Sum'), 'batches/s'),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: 'Batch latency (ms)',
        left: [
          valthreeMetric('BatchDurationMs', 'p50'),
          valthreeMetric('BatchDurationMs', 'p99'),
          fn.metricDuration({ statistic: 'p99', period: Duration.minutes(1), label: 'Lambda duration p99' }),
        ],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Conflicts and unknown outcomes',
        left: [valthreeMetric('Conflicts', 'Sum'), valthreeMetric('UnknownOutcomes', 'Sum'), valthreeMetric('NotApplied', 'Sum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Lambda',
        left: [fn.metricInvocations({ period: Duration.minutes(1) }), fn.metricErrors({ period: Duration.minutes(1) }), fn.metricThrottles({ period: Duration.minutes(1) })],
        right: [valthreeMetric('DocumentBytes', 'Maximum')],
        width: 8,
      }),
      new cloudwatch.GraphWidget({
        title: 'Proxy',
        left: [props.loadBalancer.metrics.activeFlowCount({ period: Duration.minutes(1) }), props.targetGroup.metrics.healthyHostCount({ period: Duration.minutes(1) })],
        right: [props.service.metricCpuUtilization({ period: Duration.minutes(1) }), props.service.metricMemoryUtilization({ period: Duration.minutes(1) })],
        width: 8,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: Object.values(this.alarms), width: 24, height: 3 }),
    );
  }
}
