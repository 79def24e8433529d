/**
 * How valthree's Lambda functions are built: NodejsFunction, bundled by the
 * local esbuild (never Docker), Node 22 on arm64, with a role of its own that
 * writes only to its own log group.
 */
import * as path from 'node:path';
import { Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export const REPO_ROOT = path.join(__dirname, '..');

/** The runtime the handler is tested against (CI runs Node 20/22; the image runs 22). */
export const LAMBDA_RUNTIME = lambda.Runtime.NODEJS_22_X;

export interface ValthreeFunctionProps {
  /** Entry file, relative to the repository root. */
  readonly entry: string;
  readonly description: string;
  readonly memoryMb: number;
  readonly timeout: Duration;
  readonly environment: Record<string, string>;
  readonly logRetentionDays: number;
  readonly destroyOnDelete: boolean;
}

export class ValthreeFunction extends Construct {
  readonly fn: NodejsFunction;
  readonly role: iam.Role;
  readonly logGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: ValthreeFunctionProps) {
    super(scope, id);
    this.logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.destroyOnDelete ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole, which may write
    // to any log group in the account: this one writes to its own group only.
    this.role = new iam.Role(this, 'Role', { assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com') });
    this.logGroup.grantWrite(this.role);

    this.fn = new NodejsFunction(this, 'Function', {
      entry: path.join(REPO_ROOT, props.entry),
      handler: 'handler',
      projectRoot: REPO_ROOT,
      depsLockFilePath: path.join(REPO_ROOT, 'package-lock.json'),
      runtime: LAMBDA_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memoryMb,
      timeout: props.timeout,
      description: props.description,
      role: this.role,
      logGroup: this.logGroup,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        // Bundle the pinned @aws-sdk/* and @smithy/* instead of using the copy
        // in the Lambda runtime. valthree's correctness leans on SDK details
        // measured on the pinned versions: which errors the SDK retries by
        // itself, $metadata.attempts, error names, NodeHttpHandler's
        // throwOnRequestTimeout. The runtime's SDK changes under us with
        // runtime updates; bundling makes the deployed code the tested code,
        // for ~580 KB more per function and a few ms of cold start.
        bundleAwsSDK: true,
        externalModules: [],
        // Local esbuild only: a silent fallback to Docker would fail here (no daemon).
        forceDockerBundling: false,
        target: 'node22',
        minify: true,
        // Stack traces name functions and lines of the source, not of the bundle.
        keepNames: true,
        sourceMap: true,
        sourcesContent: false,
      },
    });

    Validations.of(this.fn).acknowledge({
      id: 'AwsSolutions-L1',
      reason: 'Pinned to nodejs22.x on purpose: it is the Node version the proxy image runs and the code is tested on. Move Lambda, image and CI to the next LTS together.',
    });
  }
}
