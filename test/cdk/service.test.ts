import * as fs from 'node:fs';
import * as path from 'node:path';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { HEALTH_CHECK_SCRIPT } from '../../lib/healthcheck';
import { actions, build, built, logicalIdOf, only, REPO, resources, statementsOfRole, strings } from './helpers';

const CERT = 'arn:aws:acm:us-east-1:123456789012:certificate/0b1c2d3e-1111-2222-3333-444455556666';

type Container = {
  Environment: { Name: string; Value: unknown }[];
  Secrets: { Name: string; ValueFrom: unknown }[];
  HealthCheck: { Command: string[] };
  StopTimeout: number;
  [k: string]: unknown;
};

describe('network', () => {
  const { serviceTemplate: t } = built();

  test('a VPC over two AZs with public subnets and no NAT gateway by default', () => {
    only(t, 'AWS::EC2::VPC', { CidrBlock: '10.0.0.0/16' });
    t.resourceCountIs('AWS::EC2::Subnet', 2);
    t.resourceCountIs('AWS::EC2::NatGateway', 0);
    t.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'REJECT', ResourceType: 'VPC' });
  });

  test('natGateways=1 moves the tasks into private subnets without public IPs', () => {
    const t1 = build({ natGateways: 1 }).serviceTemplate;
    t1.resourceCountIs('AWS::EC2::NatGateway', 1);
    t1.resourceCountIs('AWS::EC2::Subnet', 4);
    const svc = only(t1, 'AWS::ECS::Service');
    const cfg = (svc.Properties.NetworkConfiguration as { AwsvpcConfiguration: { AssignPublicIp: string; Subnets: { Ref: string }[] } }).AwsvpcConfiguration;
    expect(cfg.AssignPublicIp).toBe('DISABLED');
    for (const s of cfg.Subnets) expect(s.Ref).toMatch(/Private/);
  });
});

describe('NLB and security groups', () => {
  const { serviceTemplate: t } = built();
  const nlbSg = logicalIdOf(t, 'AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^valthree NLB') });
  const taskSg = logicalIdOf(t, 'AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^valthree proxy tasks') });
  const tg = logicalIdOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');

  test('an internal NLB with its own security group, cross-zone', () => {
    const nlb = only(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(nlb.Properties).toMatchObject({ Type: 'network', Scheme: 'internal', SecurityGroups: [{ 'Fn::GetAtt': [nlbSg, 'GroupId'] }] });
    expect(nlb.Properties.LoadBalancerAttributes).toEqual(expect.arrayContaining([{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }]));
  });

  test('a TCP listener on 6379 forwards to an IP target group with TCP health checks', () => {
    const listener = only(t, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties).toMatchObject({ Port: 6379, Protocol: 'TCP', DefaultActions: [{ Type: 'forward', TargetGroupArn: { Ref: tg } }] });
    expect(listener.Properties.Certificates).toBeUndefined();
    const group = only(t, 'AWS::ElasticLoadBalancingV2::TargetGroup');
    expect(group.Properties).toMatchObject({ Port: 6379, Protocol: 'TCP', TargetType: 'ip', HealthCheckProtocol: 'TCP', HealthyThresholdCount: 2, UnhealthyThresholdCount: 2 });
    expect(group.Properties.TargetGroupAttributes).toEqual(
      expect.arrayContaining([
        { Key: 'deregistration_delay.timeout_seconds', Value: '30' },
        { Key: 'preserve_client_ip.enabled', Value: 'false' },
      ]),
    );
  });

  test('NLB SG: 6379 in from the client CIDR only, out only to the tasks', () => {
    const sg = t.toJSON().Resources[nlbSg].Properties;
    expect(sg.SecurityGroupIngress).toEqual([{ CidrIp: '10.0.0.0/16', IpProtocol: 'tcp', FromPort: 6379, ToPort: 6379, Description: 'Redis clients' }]);
    // allowAllOutbound=false: CDK renders a disabled placeholder rule, and the one real egress rule separately.
    expect(strings(sg.SecurityGroupEgress ?? []).includes('0.0.0.0/0')).toBe(false);
    const egress = Object.values(t.findResources('AWS::EC2::SecurityGroupEgress')).map((r) => r.Properties).filter((p) => p.GroupId['Fn::GetAtt'][0] === nlbSg);
    expect(egress).toEqual([expect.objectContaining({ GroupId: { 'Fn::GetAtt': [nlbSg, 'GroupId'] }, DestinationSecurityGroupId: { 'Fn::GetAtt': [taskSg, 'GroupId'] }, FromPort: 6379, ToPort: 6379, IpProtocol: 'tcp' })]);
  });

  test('task SG: 6379 in only from the NLB SG (no CIDR rule), HTTPS out only', () => {
    const sg = t.toJSON().Resources[taskSg].Properties;
    expect(sg.SecurityGroupIngress).toBeUndefined();
    expect(sg.SecurityGroupEgress).toEqual([expect.objectContaining({ CidrIp: '0.0.0.0/0', IpProtocol: 'tcp', FromPort: 443, ToPort: 443 })]);
    const ingress = Object.values(t.findResources('AWS::EC2::SecurityGroupIngress')).map((r) => r.Properties);
    expect(ingress).toEqual([
      expect.objectContaining({ GroupId: { 'Fn::GetAtt': [taskSg, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [nlbSg, 'GroupId'] }, FromPort: 6379, ToPort: 6379, IpProtocol: 'tcp' }),
      expect.objectContaining({ GroupId: { 'Fn::GetAtt': [taskSg, 'GroupId'] }, SourceSecurityGroupId: { 'Fn::GetAtt': [taskSg, 'GroupId'] }, FromPort: 6380, ToPort: 6380, IpProtocol: 'tcp' }),
    ]);
  });

  test("internal port 6380: open only between the service's own tasks (in and out), and the proxies are told to use it", () => {
    const rules = (type: string) => Object.values(t.findResources(type)).map((r) => r.Properties).filter((p) => p.FromPort === 6380 || p.ToPort === 6380);
    const self = { 'Fn::GetAtt': [taskSg, 'GroupId'] };
    expect(rules('AWS::EC2::SecurityGroupIngress')).toEqual([expect.objectContaining({ GroupId: self, SourceSecurityGroupId: self, FromPort: 6380, ToPort: 6380, IpProtocol: 'tcp' })]);
    expect(rules('AWS::EC2::SecurityGroupEgress')).toEqual([expect.objectContaining({ GroupId: self, DestinationSecurityGroupId: self, FromPort: 6380, ToPort: 6380, IpProtocol: 'tcp' })]);
    // Nothing else reaches it: no CIDR rule on any group, and the NLB's listeners stay on 6379.
    expect(JSON.stringify(t.findResources('AWS::EC2::SecurityGroup')).includes('6380')).toBe(false);
    t.resourcePropertiesCountIs('AWS::ElasticLoadBalancingV2::Listener', { Port: 6380 }, 0);
    t.hasResourceProperties('AWS::ECS::TaskDefinition', {
      ContainerDefinitions: [Match.objectLike({ Environment: Match.arrayWith([{ Name: 'VALTHREE_INTERNAL_PORT', Value: '6380' }]) })],
    });
  });

  test('TLS: a certificate ARN turns the listener into TLS on 6379 with a modern policy, still forwarding TCP', () => {
    const tls = build({ internetFacing: true, certificateArn: CERT, clientCidr: '203.0.113.0/24' }).serviceTemplate;
    const listener = only(tls, 'AWS::ElasticLoadBalancingV2::Listener');
    expect(listener.Properties).toMatchObject({ Port: 6379, Protocol: 'TLS', Certificates: [{ CertificateArn: CERT }] });
    expect(String(listener.Properties.SslPolicy)).toMatch(/TLS13/);
    only(tls, 'AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing' });
    tls.hasResourceProperties('AWS::EC2::SecurityGroup', { GroupDescription: Match.stringLikeRegexp('^valthree NLB'), SecurityGroupIngress: [Match.objectLike({ CidrIp: '203.0.113.0/24' })] });
    tls.hasOutput('Tls', { Value: 'true' });
  });

  test('internet-facing without TLS: refused by default, a warned opt-in with allowPlaintextInternet', () => {
    expect(() => build({ internetFacing: true })).toThrow(/allowPlaintextInternet/);
    const b = build({ internetFacing: true, allowPlaintextInternet: true, clientCidr: '198.51.100.7/32' });
    only(b.serviceTemplate, 'AWS::ElasticLoadBalancingV2::Listener', { Protocol: 'TCP' });
    const warnings = Annotations.fromStack(b.service).findWarning('*', Match.stringLikeRegexp('in clear'));
    expect(warnings).toHaveLength(1);
    expect(Annotations.fromStack(built().service).findWarning('*', Match.stringLikeRegexp('in clear'))).toHaveLength(0);
  });
});

describe('Fargate service', () => {
  const { serviceTemplate: t, dataTemplate: d, config } = built();
  const container = () => (only(t, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as Container[])[0];
  const env = () => Object.fromEntries(container().Environment.map((e) => [e.Name, e.Value]));

  test('two tasks, rolling with a rollback circuit breaker, never below the desired count, registered with the target group', () => {
    const svc = only(t, 'AWS::ECS::Service');
    expect(svc.Properties).toMatchObject({
      DesiredCount: 2,
      LaunchType: 'FARGATE',
      DeploymentConfiguration: { DeploymentCircuitBreaker: { Enable: true, Rollback: true }, MinimumHealthyPercent: 100, MaximumPercent: 200 },
      LoadBalancers: [{ ContainerName: 'proxy', ContainerPort: 6379, TargetGroupArn: { Ref: logicalIdOf(t, 'AWS::ElasticLoadBalancingV2::TargetGroup') } }],
      NetworkConfiguration: { AwsvpcConfiguration: { AssignPublicIp: 'ENABLED' } },
    });
    t.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
  });

  test('maxTasks above minTasks adds CPU target tracking between them', () => {
    const s = build({ minTasks: 2, maxTasks: 6, cpuTargetPercent: 50 }).serviceTemplate;
    s.hasResourceProperties('AWS::ApplicationAutoScaling::ScalableTarget', { MinCapacity: 2, MaxCapacity: 6, ScalableDimension: 'ecs:service:DesiredCount' });
    s.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingScalingPolicyConfiguration: Match.objectLike({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ECSServiceAverageCPUUtilization' } }),
    });
  });

  test('the task: ARM64, image built from proxy/Dockerfile, read-only root, init process', () => {
    const td = only(t, 'AWS::ECS::TaskDefinition');
    expect(td.Properties).toMatchObject({ Cpu: '256', Memory: '512', RequiresCompatibilities: ['FARGATE'], RuntimePlatform: { CpuArchitecture: 'ARM64', OperatingSystemFamily: 'LINUX' } });
    expect(container()).toMatchObject({ Name: 'proxy', ReadonlyRootFilesystem: true, LinuxParameters: { InitProcessEnabled: true }, PortMappings: [{ ContainerPort: 6379, Protocol: 'tcp' }] });
    expect(JSON.stringify(container().Image)).toMatch(/container-assets/);
  });

  test('timeouts nest: invoke = Lambda timeout + 2 s, drain covers an invoke, stop timeout covers the drain', () => {
    const e = env();
    expect(e.VALTHREE_INVOKE_TIMEOUT_MS).toBe(String(config.lambdaTimeoutSeconds * 1000 + 2000));
    expect(Number(e.VALTHREE_DRAIN_MS)).toBeGreaterThanOrEqual(Number(e.VALTHREE_INVOKE_TIMEOUT_MS));
    expect(container().StopTimeout * 1000).toBeGreaterThan(Number(e.VALTHREE_DRAIN_MS));
    const s = build({ lambdaTimeoutSeconds: 30 }).serviceTemplate;
    const c30 = (only(s, 'AWS::ECS::TaskDefinition').Properties.ContainerDefinitions as Container[])[0];
    expect(c30.Environment).toEqual(expect.arrayContaining([{ Name: 'VALTHREE_INVOKE_TIMEOUT_MS', Value: '32000' }]));
    expect(c30.StopTimeout).toBeGreaterThan(33);
  });

  test('the proxy listens on all interfaces and invokes the data stack\'s function', () => {
    const e = env();
    expect(e.HOST).toBe('0.0.0.0');
    expect(e.PORT).toBe('6379');
    // A weak cross-stack reference: an output of the data stack that resolves to the handler's name.
    const ref = e.VALTHREE_FUNCTION as { 'Fn::GetStackOutput': { StackName: string; OutputName: string } };
    expect(ref['Fn::GetStackOutput'].StackName).toBe('Valthree-Data');
    const fnId = logicalIdOf(d, 'AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ VALTHREE_S3_TIMEOUT_MS: Match.anyValue() }) } });
    d.hasOutput(ref['Fn::GetStackOutput'].OutputName, { Value: { Ref: fnId } });
  });

  test('the password is an ECS secret from Secrets Manager, never in the plain environment', () => {
    const secretId = logicalIdOf(t, 'AWS::SecretsManager::Secret');
    expect(container().Secrets).toEqual([{ Name: 'VALTHREE_PASSWORD', ValueFrom: { Ref: secretId } }]);
    expect(Object.keys(env())).not.toContain('VALTHREE_PASSWORD');
    const secret = only(t, 'AWS::SecretsManager::Secret');
    expect(secret.Properties.GenerateSecretString).toMatchObject({ ExcludePunctuation: true, PasswordLength: 40 });
    // Only the execution role (which starts the task) can read it, and only it.
    const td = only(t, 'AWS::ECS::TaskDefinition');
    const execRole = (td.Properties.ExecutionRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const reads = statementsOfRole(t, execRole).filter((s) => actions(s).some((a) => a.startsWith('secretsmanager:')));
    expect(reads).toEqual([{ Effect: 'Allow', Action: ['secretsmanager:DescribeSecret', 'secretsmanager:GetSecretValue'], Resource: { Ref: secretId } }]);
  });

  test('the task role may invoke exactly the handler function and nothing else', () => {
    const td = only(t, 'AWS::ECS::TaskDefinition');
    const taskRole = (td.Properties.TaskRoleArn as { 'Fn::GetAtt': string[] })['Fn::GetAtt'][0];
    const statements = statementsOfRole(t, taskRole);
    expect(statements).toHaveLength(1);
    expect(actions(statements[0])).toEqual(['lambda:InvokeFunction']);
    const [arn] = resources(statements[0]) as { 'Fn::GetStackOutput': { OutputName: string } }[];
    const fnId = logicalIdOf(d, 'AWS::Lambda::Function', { Environment: { Variables: Match.objectLike({ VALTHREE_S3_TIMEOUT_MS: Match.anyValue() }) } });
    d.hasOutput(arn['Fn::GetStackOutput'].OutputName, { Value: { 'Fn::GetAtt': [fnId, 'Arn'] } });
    expect(resources(statements[0])).toHaveLength(1);
    expect(t.toJSON().Resources[taskRole].Properties.ManagedPolicyArns).toBeUndefined();
  });

  test('logs go to a log group with retention, without blocking the proxy', () => {
    const log = (container().LogConfiguration as { LogDriver: string; Options: Record<string, unknown> });
    expect(log.LogDriver).toBe('awslogs');
    expect(log.Options.mode).toBe('non-blocking');
    const group = t.toJSON().Resources[(log.Options['awslogs-group'] as { Ref: string }).Ref];
    expect(group).toMatchObject({ Type: 'AWS::Logs::LogGroup', Properties: { RetentionInDays: 30 } });
  });

  test('the container health check is the PING probe, and proxy/Dockerfile carries the same one', () => {
    expect(container().HealthCheck).toMatchObject({ Command: ['CMD', 'node', '-e', HEALTH_CHECK_SCRIPT], Interval: 10, Retries: 3 });
    const dockerfile = fs.readFileSync(path.join(REPO, 'proxy/Dockerfile'), 'utf8');
    expect(dockerfile.includes(`CMD ${JSON.stringify(['node', '-e', HEALTH_CHECK_SCRIPT])}`)).toBe(true);
  });

  test('Container Insights on by default, off by setting', () => {
    t.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'enabled' }] });
    build({ containerInsights: false }).serviceTemplate.hasResourceProperties('AWS::ECS::Cluster', { ClusterSettings: [{ Name: 'containerInsights', Value: 'disabled' }] });
  });
});

describe('alarms, dashboard, outputs', () => {
  const { serviceTemplate: t } = built();
  const alarms = () => Object.values(t.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties as Record<string, unknown>);
  const alarm = (namespace: string, metric: string) => {
    const found = alarms().filter((a) => a.Namespace === namespace && a.MetricName === metric);
    expect(found).toHaveLength(1);
    return found[0];
  };

  test('seven alarms, all treating missing data (idle) as OK', () => {
    expect(alarms()).toHaveLength(7);
    for (const a of alarms()) expect(a.TreatMissingData).toBe('notBreaching');
  });

  test('Lambda errors, throttles and duration near the timeout', () => {
    expect(alarm('AWS/Lambda', 'Errors')).toMatchObject({ Statistic: 'Sum', Threshold: 1, ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    expect(alarm('AWS/Lambda', 'Throttles')).toMatchObject({ Statistic: 'Sum', Threshold: 1 });
    expect(alarm('AWS/Lambda', 'Duration')).toMatchObject({ Statistic: 'Maximum', Threshold: 8000 });
  });

  test('S3 5xx on the document (request-metrics filter), unhealthy NLB targets', () => {
    expect(alarm('AWS/S3', '5xxErrors')).toMatchObject({ Dimensions: expect.arrayContaining([{ Name: 'FilterId', Value: 'Document' }]) });
    expect(alarm('AWS/NetworkELB', 'UnHealthyHostCount')).toMatchObject({ Statistic: 'Maximum', Threshold: 1 });
    expect(build({ s3RequestMetrics: false }).serviceTemplate.findResources('AWS::CloudWatch::Alarm', { Properties: { Namespace: 'AWS/S3' } })).toEqual({});
  });

  test("the Lambda's EMF metrics: Conflicts and UnknownOutcomes in namespace Valthree, dimension service=valthree", () => {
    expect(alarm('Valthree', 'Conflicts')).toMatchObject({ Dimensions: [{ Name: 'service', Value: 'valthree' }], Statistic: 'Sum', Threshold: 300, Period: 300 });
    expect(alarm('Valthree', 'UnknownOutcomes')).toMatchObject({ Dimensions: [{ Name: 'service', Value: 'valthree' }], Statistic: 'Sum', Threshold: 1 });
  });

  test('no alarm actions unless alarmEmail is set; then every alarm notifies an SSL-only topic', () => {
    for (const a of alarms()) expect(a.AlarmActions).toBeUndefined();
    const e = build({ alarmEmail: 'ops@example.com' }).serviceTemplate;
    const topic = logicalIdOf(e, 'AWS::SNS::Topic');
    e.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: topic } });
    const withActions = Object.values(e.findResources('AWS::CloudWatch::Alarm')).map((a) => a.Properties.AlarmActions);
    expect(withActions).toEqual(Array(7).fill([{ Ref: topic }]));
    e.hasResourceProperties('AWS::SNS::TopicPolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } });
  });

  test('a dashboard with commands/s, latency and conflicts', () => {
    const body = JSON.stringify(only(t, 'AWS::CloudWatch::Dashboard').Properties.DashboardBody);
    for (const needle of ['commands/s', 'BatchDurationMs', 'Conflicts', 'UnknownOutcomes', 'Valthree']) expect(body).toContain(needle);
  });

  test('outputs: endpoint host and port, bucket, function, secret, and a redis-cli command', () => {
    const outputs = t.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(Object.keys(outputs)).toEqual(expect.arrayContaining(['EndpointHost', 'EndpointPort', 'BucketName', 'FunctionName', 'SecretArn', 'RedisCli']));
    const nlb = logicalIdOf(t, 'AWS::ElasticLoadBalancingV2::LoadBalancer');
    expect(outputs.EndpointHost.Value).toEqual({ 'Fn::GetAtt': [nlb, 'DNSName'] });
    expect(outputs.EndpointPort.Value).toBe('6379');
    expect(outputs.SecretArn.Value).toEqual({ Ref: logicalIdOf(t, 'AWS::SecretsManager::Secret') });
    const cli = strings(outputs.RedisCli.Value).join('');
    expect(cli).toMatch(/^REDISCLI_AUTH="\$\(aws secretsmanager get-secret-value --region .* --secret-id .* --query SecretString --output text\)" redis-cli -h .* -p 6379$/);
    const tls = build({ internetFacing: true, certificateArn: CERT, clientCidr: '203.0.113.0/24', endpointHostname: 'redis.example.com' }).serviceTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(strings(tls.RedisCli.Value).join('')).toMatch(/redis-cli -h redis\.example\.com -p 6379 --tls$/);
  });
});

describe('.dockerignore (the image build context CDK stages at synth)', () => {
  const b = build();
  const assembly = b.app.synth();
  const dir = fs
    .readdirSync(assembly.directory)
    .map((d) => path.join(assembly.directory, d))
    .find((d) => fs.existsSync(path.join(d, 'proxy', 'Dockerfile')));
  const files = (root: string, rel = ''): string[] =>
    fs.readdirSync(path.join(root, rel), { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(root, path.join(rel, e.name)) : [path.join(rel, e.name)]));

  test('holds the manifests, lambda/ and proxy/ — and no node_modules, .git, cdk.out, tests or local state', () => {
    expect(dir).toBeDefined();
    const list = files(dir!);
    expect(list).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'tsconfig.json', 'proxy/Dockerfile', 'lambda/handler.ts', 'lambda/contract.ts']));
    const tops = new Set(list.map((f) => f.split(path.sep)[0]));
    expect([...tops].sort()).toEqual(['.dockerignore', 'lambda', 'package-lock.json', 'package.json', 'proxy', 'tsconfig.json']);
  });
});
