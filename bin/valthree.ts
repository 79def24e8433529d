#!/usr/bin/env node
/** The CDK app: settings come from cdk.json's context and `-c key=value` (lib/config.ts). */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { buildValthree } from '../lib/app';
import { configFromContext, type ValthreeConfig } from '../lib/config';

const app = new App();
let config: ValthreeConfig;
try {
  config = configFromContext(app.node);
} catch (e) {
  // A bad setting is the user's to fix: say what, without a stack trace.
  console.error((e as Error).message);
  process.exit(1);
}
buildValthree(app, config);
// Every acknowledged finding carries its reason next to the construct (lib/).
if (config.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
