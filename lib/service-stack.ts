/**
 * The service: VPC, NLB, the proxy on Fargate, the AUTH secret, alarms,
 * dashboard and outputs — on top of a DataPlaneStack.
 */
import { CfnOutput, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import type { ValthreeConfig } from './config';
import type { DataPlaneStack } from './data-plane-stack';
import { Endpoint } from './endpoint';
import { Monitoring } from './monitoring';
import { Network } from './network';
import { ProxyService } from './proxy-service';
import { AuthSecret } from './secret';

export interface ServiceStackProps extends StackProps {
  readonly config: ValthreeConfig;
  readonly data: DataPlaneStack;
}

export class ServiceStack extends Stack {
  readonly network: Network;
  readonly endpoint: Endpoint;
  readonly proxy: ProxyService;
  readonly secret: AuthSecret;
  readonly monitoring: Monitoring;

  constructor(scope: Construct, id: string, props: ServiceStackProps) {
    super(scope, id, props);
    const c = props.config;
    const fn = props.data.handler;
    const bucket = props.data.document.bucket;

    this.network = new Network(this, 'Network', {
      cidr: c.vpcCidr,
      natGateways: c.natGateways,
      logRetentionDays: c.logRetentionDays,
      destroyOnDelete: c.dev,
    });
    this.secret = new AuthSecret(this, 'Auth');
    this.endpoint = new Endpoint(this, 'Endpoint', { config: c, vpc: this.network.vpc });
    this.proxy = new ProxyService(this, 'Proxy', {
      config: c,
      network: this.network,
      function: fn,
      secret: this.secret.secret,
      loadBalancerSecurityGroup: this.endpoint.securityGroup,
    });
    this.endpoint.attach(this.proxy.service, this.proxy.securityGroup, c.port);

    this.monitoring = new Monitoring(this, 'Monitoring', {
      function: fn,
      lambdaTimeout: Duration.seconds(c.lambdaTimeoutSeconds),
      bucketName: bucket.bucketName,
      s3RequestMetrics: c.s3RequestMetrics,
      loadBalancer: this.endpoint.loadBalancer,
      targetGroup: this.endpoint.targetGroup,
      service: this.proxy.service,
      conflictsThreshold: c.conflictsAlarmThreshold,
      alarmEmail: c.alarmEmail,
    });

    const host = c.endpointHostname ?? this.endpoint.loadBalancer.loadBalancerDnsName;
    const secretArn = this.secret.secret.secretArn;
    new CfnOutput(this, 'EndpointHost', { value: host, description: 'Redis endpoint host' });
    new CfnOutput(this, 'EndpointPort', { value: String(c.port), description: 'Redis endpoint port' });
    new CfnOutput(this, 'Tls', { value: String(this.endpoint.tls), description: 'Whether the endpoint speaks TLS' });
    new CfnOutput(this, 'BucketName', { value: bucket.bucketName, description: 'Bucket holding the document' });
    new CfnOutput(this, 'FunctionName', { value: fn.functionName, description: 'The valthree Lambda' });
    new CfnOutput(this, 'SecretArn', { value: secretArn, description: 'AUTH password (Secrets Manager)' });
    new CfnOutput(this, 'DashboardName', { value: this.monitoring.dashboard.dashboardName });
    new CfnOutput(this, 'RedisCli', {
      description: 'Ready-to-paste redis-cli command (needs the AWS CLI and read access to the secret)',
      value: Fn.join('', [
        `REDISCLI_AUTH="$(aws secretsmanager get-secret-value --region ${this.region} --secret-id `,
        secretArn,
        ` --query SecretString --output text)" redis-cli -h `,
        host,
        ` -p ${c.port}${this.endpoint.tls ? ' --tls' : ''}`,
      ]),
    });
  }
}
