/**
 * Builds the app the way bin/valthree.ts does, with cdk.json's context (so
 * the tests see the same feature flags and defaults as `cdk synth`) plus
 * per-test overrides.
 *
 * Speed: the built-in CloudFormation validation (a WASM engine, ~15 s to load
 * on a 2-core machine) is left to `npm run synth` in CI, and NodejsFunction
 * bundling (esbuild, ~1 s per function) runs only where a test asks for it.
 */
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildValthree, type ValthreeStacks } from '../../lib/app';
import { configFromContext, type ValthreeConfig } from '../../lib/config';

import { cdkJson } from './repo';

export { cdkJson, REPO } from './repo';

export interface Built extends ValthreeStacks {
  app: App;
  config: ValthreeConfig;
  dataTemplate: Template;
  serviceTemplate: Template;
}

export function build(context: Record<string, unknown> = {}, opts: { bundle?: boolean } = {}): Built {
  const app = new App({
    context: { ...cdkJson().context, 'aws:cdk:bundling-stacks': opts.bundle ? ['**'] : [], ...context },
    builtinCloudFormationValidation: false,
  });
  const config = configFromContext(app.node);
  const stacks = buildValthree(app, config);
  return {
    app,
    config,
    ...stacks,
    dataTemplate: Template.fromStack(stacks.data),
    serviceTemplate: Template.fromStack(stacks.service),
  };
}

/** Memoised per context: most tests only read the default templates. */
const cache = new Map<string, Built>();
export function built(context: Record<string, unknown> = {}): Built {
  const key = JSON.stringify(context);
  let b = cache.get(key);
  if (!b) cache.set(key, (b = build(context)));
  return b;
}

type Resource = { Type: string; Properties: Record<string, unknown>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** The one resource of a type (fails if there are more or none). */
export function only(t: Template, type: string, props?: Record<string, unknown>): Resource {
  const found = Object.values(t.findResources(type, props ? { Properties: props } : undefined)) as Resource[];
  if (found.length !== 1) throw new Error(`expected exactly one ${type}, found ${found.length}`);
  return found[0];
}

export function logicalIdOf(t: Template, type: string, props?: Record<string, unknown>): string {
  const ids = Object.keys(t.findResources(type, props ? { Properties: props } : undefined));
  if (ids.length !== 1) throw new Error(`expected exactly one ${type}, found ${ids.length}`);
  return ids[0];
}

export type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown>; Sid?: string };

/** All statements of the inline/default policies attached to a role. */
export function statementsOfRole(t: Template, roleLogicalId: string): Statement[] {
  const policies = Object.values(t.findResources('AWS::IAM::Policy')) as Resource[];
  return policies
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === roleLogicalId))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
}

export function actions(s: Statement): string[] {
  return Array.isArray(s.Action) ? s.Action : [s.Action];
}

export function resources(s: Statement): unknown[] {
  return Array.isArray(s.Resource) ? s.Resource : [s.Resource];
}

/** `{Fn::GetAtt: [id, 'Arn']}` joined with a suffix, as CDK renders `bucket.arnForObjects(key)`. */
export function objectArn(bucketId: string, key: string): unknown {
  return { 'Fn::Join': ['', [{ 'Fn::GetAtt': [bucketId, 'Arn'] }, `/${key}`]] };
}

/** Every string inside a JSON value (to look for wildcards in resolved policy text). */
export function strings(v: unknown): string[] {
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.flatMap(strings);
  if (v && typeof v === 'object') return Object.values(v).flatMap(strings);
  return [];
}
