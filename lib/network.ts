/**
 * The VPC: two AZs. By default public subnets only and no NAT gateway; the
 * tasks get public IPs for their outbound AWS API calls and admit traffic only
 * from the NLB's security group. README "The VPC and NAT decision" has the
 * cost reasoning; natGateways ≥ 1 moves the tasks to private subnets.
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  readonly cidr: string;
  readonly natGateways: number;
  readonly logRetentionDays: number;
  readonly destroyOnDelete: boolean;
}

export class Network extends Construct {
  readonly vpc: ec2.Vpc;
  /** Where the tasks run. */
  readonly taskSubnets: ec2.SubnetSelection;
  /** Whether tasks need a public IP to reach AWS APIs. */
  readonly tasksNeedPublicIp: boolean;

  constructor(scope: Construct, id: string, props: NetworkProps) {
    super(scope, id);
    const withNat = props.natGateways > 0;
    this.vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr(props.cidr),
      maxAzs: 2,
      natGateways: props.natGateways,
      subnetConfiguration: [
        { name: 'Public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24, mapPublicIpOnLaunch: false },
        ...(withNat ? [{ name: 'Private', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 }] : []),
      ],
    });
    // Rejected flows only: they are what an investigation needs (who knocked,
    // what the security groups refused) at a fraction of the volume of ACCEPT.
    const flowLogs = new logs.LogGroup(this, 'FlowLogs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.destroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    this.vpc.addFlowLog('Rejected', {
      trafficType: ec2.FlowLogTrafficType.REJECT,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(flowLogs),
    });
    this.taskSubnets = { subnetType: withNat ? ec2.SubnetType.PRIVATE_WITH_EGRESS : ec2.SubnetType.PUBLIC };
    this.tasksNeedPublicIp = !withNat;
  }
}
