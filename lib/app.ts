/** Builds valthree's stacks into an App (or any Stage) from a configuration. */
import type { Stage } from 'aws-cdk-lib';
import type { ValthreeConfig } from './config';
import { DataPlaneStack } from './data-plane-stack';
import { ServiceStack } from './service-stack';

export interface ValthreeStacks {
  readonly data: DataPlaneStack;
  readonly service: ServiceStack;
}

export function buildValthree(scope: Stage, config: ValthreeConfig): ValthreeStacks {
  // No `env`: environment-agnostic stacks synthesize offline and deploy to
  // whatever account/region the CLI's credentials point at.
  const description = 'valthree: a Redis-compatible database in one S3 object';
  const data = new DataPlaneStack(scope, `${config.stackPrefix}-Data`, { config, description: `${description} (data plane)` });
  const service = new ServiceStack(scope, `${config.stackPrefix}-Service`, { config, data, description: `${description} (proxy service)` });
  service.addStackDependency(data);
  return { data, service };
}
