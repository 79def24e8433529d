/** Runs Debian's redis-cli (redis-tools) against a test server. */
import { execFile, spawn } from 'node:child_process';

export function redisCli(port: number, args: string[], opts: { stdin?: Buffer | string; extra?: string[] } = {}): Promise<{ stdout: string; stderr: string; code: number }> {
  return new Promise((resolve, reject) => {
    const child = opts.stdin !== undefined
      ? spawn('redis-cli', ['-p', String(port), ...(opts.extra ?? []), ...args])
      : null;
    if (child) {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString('latin1')));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('error', reject);
      child.on('close', (code) => resolve({ stdout, stderr, code: code ?? -1 }));
      child.stdin.end(opts.stdin);
      return;
    }
    execFile('redis-cli', ['-p', String(port), ...(opts.extra ?? []), ...args], { encoding: 'latin1' }, (err, stdout, stderr) => {
      if (err && typeof (err as { code?: unknown }).code !== 'number') return reject(err);
      resolve({ stdout, stderr, code: err ? Number((err as { code?: number }).code) : 0 });
    });
  });
}
