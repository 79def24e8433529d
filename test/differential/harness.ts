/**
 * The two servers a differential run compares: redis-server 7.0.15 (the
 * reference) and valthree, an in-process proxy over a temporary data
 * directory. `self: true` puts a second redis-server where valthree would be:
 * redis-server against itself must pass, which proves that the generator
 * sends nothing whose answer depends on timing beyond what the allow-list
 * normalises.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startProxy } from '../support/proxy-harness';
import { startRedisServer } from '../support/redis-server';
import { Differential, discover } from './runner';

export interface Targets {
  diff: Differential;
  close(): Promise<void>;
}

export async function startTargets(opts: { self?: boolean } = {}): Promise<Targets> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-differential-'));
  const [subject, redis] = await Promise.all([
    opts.self ? startRedisServer().then((r) => ({ port: r.port, close: () => r.stop() })) : startProxy(['--data-dir', dir]),
    startRedisServer(),
  ]);
  const diff = new Differential(subject.port, redis.port, await discover(subject.port, redis.port));
  return {
    diff,
    close: async () => {
      diff.close();
      await Promise.all([subject.close(), redis.stop()]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
