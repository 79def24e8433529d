/**
 * The client endpoint: an NLB with its own security group (it cannot be added
 * after creation), a TCP or TLS listener on the Redis port, IP targets.
 */
import { Annotations, Duration, Validations } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import type * as ecs from 'aws-cdk-lib/aws-ecs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { Construct } from 'constructs';
import type { ValthreeConfig } from './config';

export type EndpointConfig = Pick<
  ValthreeConfig,
  'port' | 'internetFacing' | 'clientCidr' | 'certificateArn' | 'allowPlaintextInternet' | 'deregistrationDelaySeconds'
>;

export interface EndpointProps {
  readonly config: EndpointConfig;
  readonly vpc: ec2.IVpc;
}

export class Endpoint extends Construct {
  readonly loadBalancer: elbv2.NetworkLoadBalancer;
  readonly securityGroup: ec2.SecurityGroup;
  readonly listener: elbv2.NetworkListener;
  readonly targetGroup: elbv2.NetworkTargetGroup;
  readonly tls: boolean;

  constructor(scope: Construct, id: string, props: EndpointProps) {
    super(scope, id);
    const c = props.config;
    this.tls = c.certificateArn !== undefined;

    this.securityGroup = new ec2.SecurityGroup(this, 'Sg', {
      vpc: props.vpc,
      description: `valthree NLB: Redis port ${c.port} from ${c.clientCidr}`,
      allowAllOutbound: false,
    });
    this.securityGroup.addIngressRule(ec2.Peer.ipv4(c.clientCidr), ec2.Port.tcp(c.port), 'Redis clients');
    if (c.clientCidr === '0.0.0.0/0') {
      Validations.of(this.securityGroup).acknowledge({
        id: 'AwsSolutions-EC23',
        reason: 'clientCidr=0.0.0.0/0 was set explicitly in the CDK context: the endpoint is meant for clients anywhere; AUTH (and TLS unless opted out) protect it.',
      });
    }

    this.loadBalancer = new elbv2.NetworkLoadBalancer(this, 'Nlb', {
      vpc: props.vpc,
      internetFacing: c.internetFacing,
      vpcSubnets: { subnetType: ec2.SubnetType.PUBLIC },
      securityGroups: [this.securityGroup],
      // Each NLB node may use the task in the other AZ: with 2 tasks, one AZ's
      // task being replaced must not take that AZ's clients down.
      crossZoneEnabled: true,
    });
    Validations.of(this.loadBalancer).acknowledge({
      id: 'AwsSolutions-ELB2',
      reason:
        'NLB access logs exist only for TLS listeners and record connections, not commands; they would need a second bucket with its own policy. ' +
        'Enable them on the load balancer when a TLS connection audit trail is required.',
    });

    this.targetGroup = new elbv2.NetworkTargetGroup(this, 'Targets', {
      vpc: props.vpc,
      port: c.port,
      protocol: elbv2.Protocol.TCP,
      targetType: elbv2.TargetType.IP,
      // Stated, because the tasks' security group rule relies on it.
      preserveClientIp: false,
      // Long enough for clients to notice and reconnect elsewhere; the proxy's
      // own drain on SIGTERM (after this delay) finishes in-flight commands.
      deregistrationDelay: Duration.seconds(c.deregistrationDelaySeconds),
      healthCheck: {
        protocol: elbv2.Protocol.TCP,
        interval: Duration.seconds(10),
        healthyThresholdCount: 2,
        unhealthyThresholdCount: 2,
      },
    });

    this.listener = this.loadBalancer.addListener('Listener', {
      port: c.port,
      protocol: this.tls ? elbv2.Protocol.TLS : elbv2.Protocol.TCP,
      certificates: c.certificateArn ? [elbv2.ListenerCertificate.fromArn(c.certificateArn)] : undefined,
      sslPolicy: this.tls ? elbv2.SslPolicy.RECOMMENDED_TLS : undefined,
      defaultTargetGroups: [this.targetGroup],
    });

    if (c.internetFacing && !this.tls) {
      // Config validation already refused this unless allowPlaintextInternet=true.
      Annotations.of(this).addWarningV2(
        'valthree:plaintext-internet',
        `The endpoint is internet-facing without TLS (allowPlaintextInternet=true): the AUTH password and all data cross the internet in clear. ` +
          `Clients are limited to ${c.clientCidr}. Prefer -c certificateArn=<ACM ARN>.`,
      );
    }
  }

  /** Registers the service's tasks as targets and lets the NLB reach them. */
  attach(service: ecs.FargateService, taskSecurityGroup: ec2.ISecurityGroup, port: number): void {
    service.attachToNetworkTargetGroup(this.targetGroup);
    this.securityGroup.addEgressRule(taskSecurityGroup, ec2.Port.tcp(port), 'To the proxy tasks (traffic and health checks)');
  }
}
