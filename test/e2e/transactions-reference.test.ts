/**
 * MULTI/EXEC/WATCH and scripts side by side with redis-server 7.0.15: the
 * same command sequences on one connection to each, every reply equal —
 * Redis's texts for every misuse of a transaction (nesting, EXEC/DISCARD
 * without MULTI, WATCH inside MULTI, errors while queuing, a refused EXEC),
 * run-time errors inside EXEC, WATCH aborts, SELECT inside MULTI, and the
 * script cache (EVALSHA, NOSCRIPT, SCRIPT EXISTS/FLUSH, EVALSHA inside MULTI).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { startRedisServer, type ReferenceRedis } from '../support/redis-server';
import { RawClient, type Resp } from '../support/resp-client';

let dir: string;
let proxy: RunningProxy;
let redis: ReferenceRedis;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-txref-'));
  proxy = await startProxy(['--data-dir', dir]);
  redis = await startRedisServer();
});
afterAll(async () => {
  await proxy?.close();
  await redis?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const show = (r: Resp): string => JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}` : v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('latin1') : v));

async function transcript(port: number, proto: 2 | 3, commands: string[][]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    await c.call('HELLO', String(proto));
    await c.call('FLUSHALL');
    await c.call('SCRIPT', 'FLUSH');
    const out: string[] = [];
    for (const cmd of commands) out.push(`${cmd.join(' ')} → ${show(await c.call(...cmd))}`);
    return out;
  } finally {
    c.close();
  }
}

const GET_SCRIPT = "return redis.call('GET', KEYS[1])";
const sha = createHash('sha1').update(GET_SCRIPT).digest('hex');

const SEQUENCES: Record<string, string[][]> = {
  'queued and run, errors at run time inside the array': [['SET', 'a', '1'], ['MULTI'], ['INCR', 'a'], ['INCR', 'b'], ['SET', 'c', 'x'], ['INCR', 'c'], ['GET', 'a'], ['PING'], ['ECHO', 'hi'], ['EXEC'], ['GET', 'c']],
  'misuse: nesting, EXEC/DISCARD without MULTI, WATCH inside MULTI': [['EXEC'], ['DISCARD'], ['MULTI'], ['MULTI'], ['WATCH', 'a'], ['SET', 'a', '1'], ['EXEC'], ['GET', 'a']],
  'errors while queuing abort EXEC': [['MULTI'], ['SET', 'a', '1'], ['NOSUCHCOMMAND', 'x'], ['EXEC'], ['GET', 'a'], ['MULTI'], ['GET'], ['EXEC'], ['MULTI'], ['SCRIPT', 'NOSUCH'], ['EXEC'], ['MULTI'], ['CLIENT', 'NOSUCH'], ['EXEC']],
  'a refused EXEC discards the transaction': [['MULTI'], ['SET', 'a', '1'], ['EXEC', 'extra'], ['EXEC'], ['GET', 'a'], ['EXEC', 'x', 'y']],
  'WATCH: own change aborts, UNWATCH and DISCARD forget': [
    ['SET', 'k', 'v'], ['WATCH', 'k'], ['SET', 'k', 'v'], ['MULTI'], ['GET', 'k'], ['EXEC'],
    ['WATCH', 'k'], ['MULTI'], ['GET', 'k'], ['EXEC'],
    ['WATCH', 'k'], ['SET', 'k', 'w'], ['UNWATCH'], ['MULTI'], ['GET', 'k'], ['EXEC'],
    ['WATCH', 'k'], ['MULTI'], ['DISCARD'], ['SET', 'k', 'x'], ['MULTI'], ['GET', 'k'], ['EXEC'],
    ['WATCH', 'missing'], ['SET', 'missing', '1'], ['DEL', 'missing'], ['MULTI'], ['EXISTS', 'missing'], ['EXEC'],
    ['WATCH', 'k'], ['FLUSHALL'], ['MULTI'], ['GET', 'k'], ['EXEC'],
  ],
  'SELECT inside MULTI decides the database of the commands after it': [['MULTI'], ['SELECT', '2'], ['SET', 'z', 'in2'], ['SELECT', '0'], ['GET', 'z'], ['SELECT', '99'], ['EXEC'], ['SELECT', '2'], ['GET', 'z'], ['SELECT', '0']],
  'empty transactions': [['MULTI'], ['EXEC'], ['WATCH', 'k'], ['MULTI'], ['EXEC'], ['MULTI'], ['DISCARD']],
  'the script cache': [
    ['EVALSHA', sha, '1', 'k'], ['SCRIPT', 'EXISTS', sha, 'ffffffffffffffffffffffffffffffffffffffff'],
    ['SET', 'k', 'v'], ['EVAL', GET_SCRIPT, '1', 'k'], ['EVALSHA', sha, '1', 'k'], ['EVALSHA', sha.toUpperCase(), '1', 'k'], ['EVALSHA_RO', sha, '1', 'k'],
    ['SCRIPT', 'FLUSH'], ['EVALSHA', sha, '1', 'k'], ['SCRIPT', 'LOAD', GET_SCRIPT], ['EVALSHA', sha, '1', 'k'],
    ['SCRIPT', 'FLUSH', 'BOTH'], ['SCRIPT', 'KILL'], ['SCRIPT', 'LOAD', 'return +'],
    ['MULTI'], ['EVALSHA', sha, '1', 'k'], ['EVALSHA', 'ffffffffffffffffffffffffffffffffffffffff', '0'], ['EVAL', "return redis.call('INCR', KEYS[1])", '1', 'k'], ['EXEC'],
  ],
};

describe.each([2, 3] as const)('RESP%d', (proto) => {
  test.each(Object.keys(SEQUENCES))('%s: every reply as redis-server', async (name) => {
    const ours = await transcript(proxy.port, proto, SEQUENCES[name]);
    const theirs = await transcript(redis.port, proto, SEQUENCES[name]);
    expect(ours).toEqual(theirs);
  });
});
