/**
 * The app's settings: typed, with defaults, read from CDK context
 * (`cdk.json`, overridden by `-c key=value`).
 *
 * `-c` values arrive as strings, cdk.json values as JSON: every reader accepts
 * both and fails synth with a clear message on a bad value, because a typo in
 * a deploy flag should stop the deploy, not silently fall back to a default.
 */
import { scriptTimeoutProblem } from '../lambda/time-budget';
import type { Node } from 'constructs';

export type ProxyArch = 'arm64' | 'x86_64';

export interface ValthreeConfig {
  /** Prefix of the stack names: `<prefix>-Data`, `<prefix>-Service`. */
  readonly stackPrefix: string;
  /** Dev/test deployments: destroy the bucket (and its objects) and logs with the stack. */
  readonly dev: boolean;
  /** Object key of the document. */
  readonly documentKey: string;
  /** S3 versioning on the bucket (off: see README, "Why versioning is off"). */
  readonly versioning: boolean;
  /** S3 request metrics on the document (needed for the S3 5xx alarm; billed as CloudWatch metrics). */
  readonly s3RequestMetrics: boolean;
  readonly lambdaMemoryMb: number;
  readonly lambdaTimeoutSeconds: number;
  /** VALTHREE_S3_TIMEOUT_MS: per S3 request; must stay below the Lambda timeout. */
  readonly s3TimeoutMs: number;
  /** VALTHREE_SCRIPT_TIMEOUT_MS: time a batch attempt's Lua scripts may run; two attempts must fit the Lambda timeout. */
  readonly scriptTimeoutMs: number;
  /** VALTHREE_MAXMEMORY: the largest database (db.json and its pages), in bytes (unset: the handler's default, 1 GiB). */
  readonly maxDocumentBytes?: number;
  readonly logRetentionDays: number;
  readonly snapshotIntervalMinutes: number;
  readonly snapshotRetentionDays: number;

  readonly vpcCidr: string;
  /** 0: tasks in public subnets with a public IP and no NAT (see README for the cost reasoning). */
  readonly natGateways: number;
  readonly internetFacing: boolean;
  /** Who may connect to the NLB (default: the VPC's CIDR). */
  readonly clientCidr: string;
  /** ACM certificate for a TLS listener on the NLB. */
  readonly certificateArn?: string;
  /** Host name to print in the outputs (a DNS name matching the certificate that points at the NLB). */
  readonly endpointHostname?: string;
  /** Explicit opt-in to an internet-facing endpoint without TLS (the password crosses the internet in clear). */
  readonly allowPlaintextInternet: boolean;
  readonly port: number;
  readonly tasks: number;
  /** Set maxTasks above minTasks to turn on CPU-based autoscaling. */
  readonly minTasks: number;
  readonly maxTasks: number;
  readonly cpuTargetPercent: number;
  readonly taskCpu: number;
  readonly taskMemoryMb: number;
  readonly proxyArch: ProxyArch;
  /** VALTHREE_DRAIN_MS (default: the invoke timeout + 1 s, so a batch in flight at SIGTERM can finish). */
  readonly drainMs: number;
  readonly deregistrationDelaySeconds: number;
  readonly containerInsights: boolean;
  readonly logLevel: string;
  /** E-mail address subscribed to the alarms (none: alarms without actions). */
  readonly alarmEmail?: string;
  /** Conflicts (failed conditional writes) per 5 minutes that raise the contention alarm. */
  readonly conflictsAlarmThreshold: number;
  /** Run cdk-nag's AwsSolutions checks on every synth (findings fail the synth). */
  readonly nag: boolean;
}

/**
 * Defaults. cdk.json repeats the ones that are not derived, so `cdk.json` shows
 * what a deploy uses; a test keeps the two in step.
 */
export const DEFAULTS = {
  stackPrefix: 'Valthree',
  dev: false,
  documentKey: 'db.json',
  versioning: false,
  s3RequestMetrics: true,
  // A 32 MiB document is parsed and serialised on every cold batch: 1 GB buys
  // ~0.6 vCPU, which keeps that well inside the timeout.
  lambdaMemoryMb: 1024,
  lambdaTimeoutSeconds: 10,
  s3TimeoutMs: 3000,
  scriptTimeoutMs: 1000,
  logRetentionDays: 30,
  snapshotIntervalMinutes: 60,
  snapshotRetentionDays: 7,
  vpcCidr: '10.0.0.0/16',
  natGateways: 0,
  internetFacing: false,
  allowPlaintextInternet: false,
  port: 6379,
  tasks: 2,
  cpuTargetPercent: 60,
  taskCpu: 256,
  taskMemoryMb: 512,
  proxyArch: 'arm64' as ProxyArch,
  deregistrationDelaySeconds: 30,
  containerInsights: true,
  logLevel: 'info',
  conflictsAlarmThreshold: 300,
  nag: true,
} as const;

/** The proxy gives up on an invocation this long after the Lambda's own timeout. */
export const INVOKE_TIMEOUT_MARGIN_MS = 2000;

export function invokeTimeoutMs(c: Pick<ValthreeConfig, 'lambdaTimeoutSeconds'>): number {
  return c.lambdaTimeoutSeconds * 1000 + INVOKE_TIMEOUT_MARGIN_MS;
}

type Raw = (key: string) => unknown;

/** Reads the configuration from a construct's context (the App's, in practice). */
export function configFromContext(node: Node): ValthreeConfig {
  return parseConfig((k) => node.tryGetContext(k));
}

export function parseConfig(raw: Raw): ValthreeConfig {
  const r = new Reader(raw);
  const vpcCidr = r.cidr('vpcCidr', DEFAULTS.vpcCidr);
  const lambdaTimeoutSeconds = r.int('lambdaTimeoutSeconds', DEFAULTS.lambdaTimeoutSeconds, 1, 900);
  const tasks = r.int('tasks', DEFAULTS.tasks, 1, 100);
  const minTasks = r.int('minTasks', tasks, 1, 100);
  const cfg: ValthreeConfig = {
    stackPrefix: r.str('stackPrefix', DEFAULTS.stackPrefix, /^[A-Za-z][A-Za-z0-9-]{0,60}$/),
    dev: r.bool('dev', DEFAULTS.dev),
    // No '*' or '?': IAM would read them as wildcards in the grants on the key.
    documentKey: r.str('documentKey', DEFAULTS.documentKey, /^[A-Za-z0-9!_.'()\/-]{1,900}$/),
    versioning: r.bool('versioning', DEFAULTS.versioning),
    s3RequestMetrics: r.bool('s3RequestMetrics', DEFAULTS.s3RequestMetrics),
    lambdaMemoryMb: r.int('lambdaMemoryMb', DEFAULTS.lambdaMemoryMb, 128, 10240),
    lambdaTimeoutSeconds,
    s3TimeoutMs: r.int('s3TimeoutMs', DEFAULTS.s3TimeoutMs, 100, 900_000),
    scriptTimeoutMs: r.int('scriptTimeoutMs', DEFAULTS.scriptTimeoutMs, 1, 900_000),
    maxDocumentBytes: r.optionalInt('maxDocumentBytes', 1024, 5 * 1024 ** 3),
    logRetentionDays: r.int('logRetentionDays', DEFAULTS.logRetentionDays, 1, 3653),
    snapshotIntervalMinutes: r.int('snapshotIntervalMinutes', DEFAULTS.snapshotIntervalMinutes, 1, 7 * 24 * 60),
    snapshotRetentionDays: r.int('snapshotRetentionDays', DEFAULTS.snapshotRetentionDays, 1, 3650),
    vpcCidr,
    natGateways: r.int('natGateways', DEFAULTS.natGateways, 0, 2),
    internetFacing: r.bool('internetFacing', DEFAULTS.internetFacing),
    clientCidr: r.cidr('clientCidr', vpcCidr),
    certificateArn: r.optionalStr('certificateArn', /^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate\/[A-Za-z0-9-]+$/),
    endpointHostname: r.optionalStr('endpointHostname', /^[A-Za-z0-9.-]{1,253}$/),
    allowPlaintextInternet: r.bool('allowPlaintextInternet', DEFAULTS.allowPlaintextInternet),
    port: r.int('port', DEFAULTS.port, 1, 65535),
    tasks,
    minTasks,
    maxTasks: r.int('maxTasks', Math.max(tasks, minTasks), 1, 100),
    cpuTargetPercent: r.int('cpuTargetPercent', DEFAULTS.cpuTargetPercent, 10, 95),
    taskCpu: r.int('taskCpu', DEFAULTS.taskCpu, 256, 16384),
    taskMemoryMb: r.int('taskMemoryMb', DEFAULTS.taskMemoryMb, 512, 122880),
    proxyArch: r.oneOf('proxyArch', ['arm64', 'x86_64'] as const, DEFAULTS.proxyArch),
    drainMs: r.int('drainMs', lambdaTimeoutSeconds * 1000 + INVOKE_TIMEOUT_MARGIN_MS + 1000, 0, 3_600_000),
    deregistrationDelaySeconds: r.int('deregistrationDelaySeconds', DEFAULTS.deregistrationDelaySeconds, 0, 3600),
    containerInsights: r.bool('containerInsights', DEFAULTS.containerInsights),
    logLevel: r.oneOf('logLevel', ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const, DEFAULTS.logLevel),
    alarmEmail: r.optionalStr('alarmEmail', /^[^@\s]+@[^@\s]+$/),
    conflictsAlarmThreshold: r.int('conflictsAlarmThreshold', DEFAULTS.conflictsAlarmThreshold, 1, 1e9),
    nag: r.bool('nag', DEFAULTS.nag),
  };
  return validate(cfg);
}

/** Cross-field rules: the timeouts must nest, or ambiguity turns into errors. */
function validate(c: ValthreeConfig): ValthreeConfig {
  const problems: string[] = [];
  // S3 request < Lambda < proxy invoke: each layer must give up before the one
  // that waits for it, or the outer layer reports "unknown" for work the inner
  // one is still doing.
  if (c.s3TimeoutMs >= c.lambdaTimeoutSeconds * 1000) {
    problems.push(`s3TimeoutMs (${c.s3TimeoutMs}) must be below the Lambda timeout (${c.lambdaTimeoutSeconds * 1000} ms)`);
  }
  const scripts = scriptTimeoutProblem(c.scriptTimeoutMs, c.lambdaTimeoutSeconds * 1000);
  if (scripts) problems.push(`scriptTimeoutMs: ${scripts}`);
  if (c.documentKey.startsWith('snapshots/')) problems.push(`documentKey (${c.documentKey}) must not lie under snapshots/, which the lifecycle rule expires`);
  if (!LOG_RETENTION_DAYS.includes(c.logRetentionDays)) problems.push(`logRetentionDays (${c.logRetentionDays}) must be one of CloudWatch's values: ${LOG_RETENTION_DAYS.join(', ')}`);
  if (c.minTasks > c.maxTasks) problems.push(`minTasks (${c.minTasks}) exceeds maxTasks (${c.maxTasks})`);
  if (c.tasks < c.minTasks || c.tasks > c.maxTasks) problems.push(`tasks (${c.tasks}) must lie between minTasks (${c.minTasks}) and maxTasks (${c.maxTasks})`);
  // A batch in flight at SIGTERM may take up to the invoke timeout; a shorter
  // drain would cut it and leave its clients with an unknown outcome.
  if (c.drainMs < invokeTimeoutMs(c)) problems.push(`drainMs (${c.drainMs}) must be at least the proxy's invoke timeout (${invokeTimeoutMs(c)} ms)`);
  // Fargate caps the stop timeout at 120 s; drain + margin must fit.
  if (stopTimeoutSeconds(c) > 120) problems.push(`drainMs (${c.drainMs}) leaves no room under Fargate's 120 s stop timeout`);
  if (c.internetFacing && !c.certificateArn && !c.allowPlaintextInternet) {
    problems.push(
      'internetFacing=true without certificateArn would send the password and all data over the internet in clear. ' +
        'Pass -c certificateArn=<ACM certificate ARN> (TLS listener), or opt in explicitly with -c allowPlaintextInternet=true.',
    );
  }
  if (problems.length) throw new Error(`valthree: invalid configuration:\n  - ${problems.join('\n  - ')}`);
  return c;
}

/** The retention periods CloudWatch Logs accepts. */
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653];

/** SIGTERM → drain → exit must finish before ECS sends SIGKILL. */
export function stopTimeoutSeconds(c: Pick<ValthreeConfig, 'drainMs'>): number {
  return Math.ceil(c.drainMs / 1000) + 5;
}

class Reader {
  constructor(private readonly raw: Raw) {}

  private get(key: string): unknown {
    const v = this.raw(key);
    return v === null || v === '' ? undefined : v;
  }

  str(key: string, dflt: string, re: RegExp): string {
    return this.optionalStr(key, re) ?? dflt;
  }

  optionalStr(key: string, re: RegExp): string | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    if (typeof v !== 'string' || !re.test(v)) throw new Error(`valthree: context ${key}=${JSON.stringify(v)} is not valid (expected ${re})`);
    return v;
  }

  bool(key: string, dflt: boolean): boolean {
    const v = this.get(key);
    if (v === undefined) return dflt;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw new Error(`valthree: context ${key}=${JSON.stringify(v)} must be true or false`);
  }

  int(key: string, dflt: number, min: number, max: number): number {
    return this.optionalInt(key, min, max) ?? dflt;
  }

  optionalInt(key: string, min: number, max: number): number | undefined {
    const v = this.get(key);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`valthree: context ${key}=${JSON.stringify(v)} must be an integer in [${min}, ${max}]`);
    return n;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], dflt: T): T {
    const v = this.get(key);
    if (v === undefined) return dflt;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
      throw new Error(`valthree: context ${key}=${JSON.stringify(v)} must be one of ${allowed.join(', ')}`);
    }
    return v as T;
  }

  cidr(key: string, dflt: string): string {
    return this.optionalStr(key, /^(\d{1,3}\.){3}\d{1,3}\/\d{1,2}$/) ?? dflt;
  }
}
