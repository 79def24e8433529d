/**
 * Where the scripting-library tests run: redis-server 7.0.15 (the reference)
 * and valthree as it is deployed — two proxy processes, run as `npm start`
 * runs them, in front of one db.json (the Lambda executor over the
 * emulator's S3), so every scenario also crosses proxies. Each proxy keeps
 * its own script cache, as each Redis server does: a script loaded through
 * one proxy is unknown (NOSCRIPT) on the other, and the libraries must fall
 * back to EVAL or SCRIPT LOAD.
 *
 * redis-server has one cache, so there the second endpoint is simply a second
 * connection to the same server: the libraries see the same keyspace either
 * way, and must report the same results.
 */
import Redis from 'ioredis';
import { startEmulator } from '../support/emulator';
import { spawnProxy, type ChildProxy } from '../support/proxy-harness';
import { startRedisServer } from '../support/redis-server';
import { lambdaEnv } from './backends';

export interface ScriptTarget {
  /** Two endpoints onto one keyspace. */
  ports: [number, number];
  /** Whether a script loaded through one endpoint is known through the other (false: two proxies). */
  sharedScriptCache: boolean;
  close(): Promise<void>;
}

async function redisServer(): Promise<ScriptTarget> {
  const r = await startRedisServer();
  return { ports: [r.port, r.port], sharedScriptCache: true, close: () => r.stop() };
}

/** Stops a proxy process the way a deployment does (SIGTERM: drain, then exit). */
async function stop(p: ChildProxy): Promise<void> {
  p.child.kill('SIGTERM');
  await p.exited;
}

/** Two proxy processes as `npm start` runs them (the built bundle on node), both invoking one function over one db.json. */
async function valthree(): Promise<ScriptTarget> {
  const emu = await startEmulator();
  const args = ['--function', emu.functionName];
  const [a, b] = await Promise.all([spawnProxy(args, lambdaEnv(emu)), spawnProxy(args, lambdaEnv(emu))]);
  return {
    ports: [a.port, b.port],
    sharedScriptCache: false,
    close: async () => {
      await Promise.all([stop(a), stop(b)]);
      await emu.close();
    },
  };
}

/** For describe.each: every scenario runs against redis-server first (proving the test asserts Redis's behaviour), then valthree. */
export const TARGETS: [string, () => Promise<ScriptTarget>][] = [
  ['redis-server', redisServer],
  ['valthree (two proxies)', valthree],
];

/** An ioredis client on endpoint i (0 or 1); errors surface on commands, not as unhandled events. */
export function connect(target: ScriptTarget, i: 0 | 1): Redis {
  const c = new Redis(target.ports[i], '127.0.0.1', { maxRetriesPerRequest: 1 });
  c.on('error', () => undefined);
  return c;
}

/** Clients alternating between the two endpoints: half of them on each proxy. */
export function connectMany(target: ScriptTarget, n: number): Redis[] {
  return Array.from({ length: n }, (_, i) => connect(target, (i % 2) as 0 | 1));
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Distinct key names per test, so tests on one target never see each other's keys. */
let counter = 0;
export function uniqueKey(prefix: string): string {
  counter += 1;
  return `${prefix}:${process.pid}:${counter}`;
}
