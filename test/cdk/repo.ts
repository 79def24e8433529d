/** Repository paths and cdk.json, without loading aws-cdk-lib (slow to load; not every suite needs it). */
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO = path.join(__dirname, '..', '..');

export type CdkJson = { app: string; notices?: boolean; context: Record<string, unknown> };

export function cdkJson(): CdkJson {
  return JSON.parse(fs.readFileSync(path.join(REPO, 'cdk.json'), 'utf8')) as CdkJson;
}
