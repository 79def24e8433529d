/**
 * The proxy on ECS Fargate: a fixed number of tasks (2 by default, for
 * availability; more tasks add write conflicts on the one document, not
 * write throughput), optional CPU autoscaling, AUTH from Secrets Manager.
 */
import { Duration, RemovalPolicy, Size, Stack, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Platform } from 'aws-cdk-lib/aws-ecr-assets';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { invokeTimeoutMs, stopTimeoutSeconds, type ValthreeConfig } from './config';
import { REPO_ROOT } from './functions';
import { HEALTH_CHECK_COMMAND } from './healthcheck';
import type { Network } from './network';

export const CONTAINER_NAME = 'proxy';

/** The proxies' internal port (forwarded writes): the Redis port's neighbour, never exposed by the NLB. */
export const internalPort = (c: Pick<ValthreeConfig, 'port'>): number => c.port + 1;

export type ProxyServiceConfig = Pick<
  ValthreeConfig,
  | 'dev'
  | 'port'
  | 'tasks'
  | 'minTasks'
  | 'maxTasks'
  | 'cpuTargetPercent'
  | 'taskCpu'
  | 'taskMemoryMb'
  | 'proxyArch'
  | 'drainMs'
  | 'lambdaTimeoutSeconds'
  | 'logRetentionDays'
  | 'logLevel'
  | 'containerInsights'
>;

export interface ProxyServiceProps {
  readonly config: ProxyServiceConfig;
  readonly network: Network;
  readonly function: IFunction;
  readonly secret: secretsmanager.ISecret;
  /** The NLB's security group: the only source the tasks admit. */
  readonly loadBalancerSecurityGroup: ec2.ISecurityGroup;
}

export class ProxyService extends Construct {
  readonly cluster: ecs.Cluster;
  readonly service: ecs.FargateService;
  readonly taskDefinition: ecs.FargateTaskDefinition;
  readonly securityGroup: ec2.SecurityGroup;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ProxyServiceProps) {
    super(scope, id);
    const c = props.config;
    const { vpc } = props.network;

    this.cluster = new ecs.Cluster(this, 'Cluster', {
      vpc,
      containerInsightsV2: c.containerInsights ? ecs.ContainerInsights.ENABLED : ecs.ContainerInsights.DISABLED,
    });
    if (!c.containerInsights) {
      Validations.of(this.cluster).acknowledge({ id: 'AwsSolutions-ECS4', reason: 'Container Insights turned off by the containerInsights=false context setting (cost).' });
    }

    const arm = c.proxyArch === 'arm64';
    this.taskDefinition = new ecs.FargateTaskDefinition(this, 'Task', {
      cpu: c.taskCpu,
      memoryLimitMiB: c.taskMemoryMb,
      runtimePlatform: {
        cpuArchitecture: arm ? ecs.CpuArchitecture.ARM64 : ecs.CpuArchitecture.X86_64,
        operatingSystemFamily: ecs.OperatingSystemFamily.LINUX,
      },
    });
    // The task may invoke exactly this function: no versions, aliases or others.
    this.taskDefinition.taskRole.addToPrincipalPolicy(
      new iam.PolicyStatement({ sid: 'InvokeHandler', actions: ['lambda:InvokeFunction'], resources: [props.function.functionArn] }),
    );

    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: c.logRetentionDays as logs.RetentionDays,
      removalPolicy: c.dev ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });

    this.taskDefinition.addContainer(CONTAINER_NAME, {
      // Built at deploy time (synth needs no Docker). The build stage runs on
      // the build host's platform and only the runtime stage is the target's,
      // so an arm64 image builds on an x86 machine without emulation.
      image: ecs.ContainerImage.fromAsset(REPO_ROOT, {
        file: 'proxy/Dockerfile',
        platform: arm ? Platform.LINUX_ARM64 : Platform.LINUX_AMD64,
      }),
      environment: {
        HOST: '0.0.0.0',
        PORT: String(c.port),
        VALTHREE_FUNCTION: props.function.functionName,
        // The proxy must wait longer than the Lambda may run, or it would
        // report "unknown" for batches the Lambda is still committing.
        VALTHREE_INVOKE_TIMEOUT_MS: String(invokeTimeoutMs(c)),
        VALTHREE_DRAIN_MS: String(c.drainMs),
        // Several tasks, one writer: followers forward their writes to the
        // lease holder on this port (README "Several proxies, one writer").
        VALTHREE_INTERNAL_PORT: String(internalPort(c)),
        AWS_REGION: Stack.of(this).region,
        LOG_LEVEL: c.logLevel,
      },
      secrets: { VALTHREE_PASSWORD: ecs.Secret.fromSecretsManager(props.secret) },
      portMappings: [{ containerPort: c.port, protocol: ecs.Protocol.TCP, name: 'redis' }],
      healthCheck: {
        command: HEALTH_CHECK_COMMAND,
        interval: Duration.seconds(10),
        timeout: Duration.seconds(5),
        retries: 3,
        startPeriod: Duration.seconds(15),
      },
      // SIGTERM starts the proxy's drain (VALTHREE_DRAIN_MS); SIGKILL must not
      // come before the drain can finish.
      stopTimeout: Duration.seconds(stopTimeoutSeconds(c)),
      readonlyRootFilesystem: true,
      // tini as PID 1: reaps the health check's node processes, forwards SIGTERM.
      linuxParameters: new ecs.LinuxParameters(this, 'Linux', { initProcessEnabled: true }),
      logging: ecs.LogDrivers.awsLogs({
        streamPrefix: 'proxy',
        logGroup: this.logGroup,
        // A slow CloudWatch Logs must never stall the data path; a full buffer drops log lines instead.
        mode: ecs.AwsLogDriverMode.NON_BLOCKING,
        maxBufferSize: Size.mebibytes(25),
      }),
    });

    Validations.of(this.taskDefinition).acknowledge({
      id: 'AwsSolutions-ECS2',
      reason: 'The plain environment holds only non-secret settings (listen address, function name, timeouts, log level); the password comes from Secrets Manager as an ECS secret.',
    });
    Validations.of(this.taskDefinition.obtainExecutionRole()).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'ecr:GetAuthorizationToken has no resource-level permissions; pulls are otherwise limited to the asset repository, logs to this log group, the secret to its ARN.',
    });

    this.securityGroup = new ec2.SecurityGroup(this, 'TasksSg', {
      vpc,
      description: 'valthree proxy tasks: Redis port from the NLB only; internal port among themselves; HTTPS out to AWS APIs',
      allowAllOutbound: false,
    });
    // NLB → IP targets over TCP do not preserve the client IP: the tasks see
    // the NLB's address, so the NLB's security group is the only right source.
    this.securityGroup.addIngressRule(props.loadBalancerSecurityGroup, ec2.Port.tcp(c.port), 'Redis clients and health checks, via the NLB');
    this.securityGroup.addEgressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS to Lambda, ECR, Secrets Manager, CloudWatch Logs');
    // The internal port: open between this service's own tasks, and nothing else.
    this.securityGroup.addIngressRule(this.securityGroup, ec2.Port.tcp(internalPort(c)), 'Forwarded writes from the other proxy tasks (internal port)');
    this.securityGroup.addEgressRule(this.securityGroup, ec2.Port.tcp(internalPort(c)), 'Forwarded writes to the writer task (internal port)');

    this.service = new ecs.FargateService(this, 'Service', {
      cluster: this.cluster,
      taskDefinition: this.taskDefinition,
      desiredCount: c.tasks,
      vpcSubnets: props.network.taskSubnets,
      assignPublicIp: props.network.tasksNeedPublicIp,
      securityGroups: [this.securityGroup],
      circuitBreaker: { enable: true, rollback: true },
      // Rolling deploys start new tasks before stopping old ones: never below the desired count.
      minHealthyPercent: 100,
      maxHealthyPercent: 200,
      healthCheckGracePeriod: Duration.seconds(30),
      availabilityZoneRebalancing: ecs.AvailabilityZoneRebalancing.ENABLED,
    });

    if (c.maxTasks > c.minTasks) {
      const scaling = this.service.autoScaleTaskCount({ minCapacity: c.minTasks, maxCapacity: c.maxTasks });
      // CPU is what a proxy runs out of (RESP parsing, JSON, connections);
      // scaling adds connection capacity, not write throughput (README).
      scaling.scaleOnCpuUtilization('Cpu', {
        targetUtilizationPercent: c.cpuTargetPercent,
        scaleOutCooldown: Duration.seconds(60),
        scaleInCooldown: Duration.minutes(5),
      });
    }
  }
}
