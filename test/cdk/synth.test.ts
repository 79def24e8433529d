/**
 * `npx cdk synth` itself, as a user runs it: offline, without Docker or AWS
 * credentials, through cdk.json's app command, with cdk-nag on.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT } from '../support/proxy-harness';

test('npx cdk synth succeeds offline and writes both stacks', async () => {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-synth-'));
  try {
    const env = { ...process.env, CDK_DISABLE_VERSION_CHECK: '1', AWS_ACCESS_KEY_ID: '', AWS_SECRET_ACCESS_KEY: '', AWS_PROFILE: '' };
    const { code, output } = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(path.join(ROOT, 'node_modules/.bin/cdk'), ['synth', '-q', '--output', out], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
    expect({ code, output: code === 0 ? '' : output }).toEqual({ code: 0, output: '' });
    const templates = fs.readdirSync(out).filter((f) => f.endsWith('.template.json'));
    expect(templates.sort()).toEqual(['Valthree-Data.template.json', 'Valthree-Service.template.json']);
    const data = JSON.parse(fs.readFileSync(path.join(out, 'Valthree-Data.template.json'), 'utf8')) as { Resources: Record<string, { Type: string }> };
    expect(Object.values(data.Resources).map((r) => r.Type)).toEqual(expect.arrayContaining(['AWS::S3::Bucket', 'AWS::Lambda::Function', 'AWS::S3::BucketPolicy']));
  } finally {
    fs.rmSync(out, { recursive: true, force: true });
  }
}, 240_000);
