/**
 * COMMAND INFO / DOCS / GETKEYS come from the shared spec table: every field
 * a client reads (arity, flags, key positions, ACL categories, key specs)
 * matches redis-server 7 for every command valthree implements, on RESP2 and
 * RESP3.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { SPECS } from '../../lambda/specs';
import { RawClient, plain, type Resp } from '../support/resp-client';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { startRedisServer, type ReferenceRedis } from '../support/redis-server';

let proxy: RunningProxy;
let redis: ReferenceRedis;
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-cmdinfo-'));
  [proxy, redis] = await Promise.all([startProxy(['--data-dir', dir]), startRedisServer()]);
});
afterAll(async () => {
  await Promise.all([proxy?.close(), redis?.stop()]);
  fs.rmSync(dir, { recursive: true, force: true });
});

/** COMMAND INFO without tips and key-spec notes (Redis's cluster hints and prose). */
function comparable(info: unknown): unknown {
  const [name, arity, flags, first, last, step, acl, , keySpecs, subcommands] = info as unknown[];
  const specs = (keySpecs as unknown[]).map((ks) => {
    const entries = Array.isArray(ks) && Array.isArray(ks[0]) ? (ks as [unknown, unknown][]) : pairsOf(ks as unknown[]);
    return entries.filter(([k]) => k !== 'notes');
  });
  const subs = Object.fromEntries((subcommands as unknown[][]).map((s) => [s[0], comparable(s)]));
  return { name, arity, flags, first, last, step, acl, specs: JSON.stringify(specs), subs };
}

function pairsOf(flat: unknown[]): [unknown, unknown][] {
  const out: [unknown, unknown][] = [];
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]]);
  return out;
}

async function both(proto: 2 | 3, ...args: string[]): Promise<[Resp, Resp]> {
  const [a, b] = await Promise.all([RawClient.connect(proxy.port), RawClient.connect(redis.port)]);
  try {
    if (proto === 3) await Promise.all([a.call('HELLO', '3'), b.call('HELLO', '3')]);
    return await Promise.all([a.call(...args), b.call(...args)]);
  } finally {
    a.close();
    b.close();
  }
}

/** Commands newer than the reference redis-server 7.0.15 (it has no COMMAND INFO for them): WAITAOF is Redis 7.2's. */
const NEWER_THAN_REFERENCE = new Set(['waitaof']);

describe.each([2, 3] as const)('RESP%s', (proto) => {
  test.each([...SPECS.keys()].filter((n) => !NEWER_THAN_REFERENCE.has(n)))('COMMAND INFO %s matches redis-server', async (name) => {
    const [ours, theirs] = await both(proto, 'COMMAND', 'INFO', name);
    expect(ours.t).toBe(theirs.t);
    const mine = comparable((plain(ours) as unknown[])[0]) as { subs: Record<string, unknown> };
    const reference = comparable((plain(theirs) as unknown[])[0]) as { subs: Record<string, unknown> };
    // Subcommands valthree implements must match; CLIENT SETINFO is Redis 7.2's (7.0.15 lacks it).
    const theirSubs = Object.fromEntries(Object.entries(reference.subs).filter(([n]) => n in mine.subs));
    const ourSubs = Object.fromEntries(Object.entries(mine.subs).filter(([n]) => n in reference.subs || n !== 'client|setinfo'));
    expect({ ...mine, subs: ourSubs }).toEqual({ ...reference, subs: theirSubs });
  });

  test('COMMAND INFO of an unknown name is nil in its place, as in Redis', async () => {
    const [ours, theirs] = await both(proto, 'COMMAND', 'INFO', 'get', 'nosuchcommand');
    expect((plain(ours) as unknown[])[1]).toBeNull();
    expect((plain(theirs) as unknown[])[1]).toBeNull();
  });

  test('COMMAND DOCS has summary, since and group for each command, in the reply type Redis uses', async () => {
    const [ours, theirs] = await both(proto, 'COMMAND', 'DOCS', 'get', 'incr');
    expect(ours.t).toBe(theirs.t);
    const docs = proto === 3 ? (plain(ours) as [string, [string, string][]][]) : pairsOf(plain(ours) as unknown[]).map(([k, v]) => [k, pairsOf(v as unknown[])] as [string, [unknown, unknown][]]);
    expect(docs.map(([n]) => n)).toEqual(['get', 'incr']);
    expect(Object.fromEntries(docs[0][1] as [string, string][])).toMatchObject({ since: '1.0.0', group: 'string' });
  });
});

test('COMMAND GETKEYS finds keys by the key specs; errors as Redis', async () => {
  for (const args of [['GET', 'k'], ['DEL', 'a', 'b', 'c'], ['SET', 'k', 'v'], ['INCR', 'n']]) {
    const [ours, theirs] = await both(2, 'COMMAND', 'GETKEYS', ...args);
    expect(plain(ours)).toEqual(plain(theirs));
  }
  for (const args of [['NOSUCH', 'k'], ['GET', 'a', 'b'], ['FLUSHALL']]) {
    const [ours, theirs] = await both(2, 'COMMAND', 'GETKEYS', ...args);
    expect(ours.t).toBe('error');
    expect(plain(ours)).toEqual(plain(theirs));
  }
});

test('COMMAND COUNT and LIST cover the whole table', async () => {
  const [count] = await both(2, 'COMMAND', 'COUNT');
  expect(plain(count)).toBe(SPECS.size);
  const [list] = await both(2, 'COMMAND', 'LIST');
  expect((plain(list) as string[]).sort()).toEqual([...SPECS.keys()].sort());
});
