/**
 * The fold end to end through a real proxy (in-process handler over the file
 * store, as `npm start` runs it) with a tiny page threshold and fold bounds:
 * many SETs page the database, responses ask for folds, the batcher sends
 * them and its next write batches apply the deltas. Every key reads back,
 * DBSIZE is right, and the data directory holds pages.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import Redis from 'ioredis';
import { openStorage } from '../../lambda/config';
import { Document } from '../../lambda/document';
import { decodePage } from '../../lambda/pages/codec';
import { InProcessExecutor } from '../../proxy/executors/in-process';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { TINY } from './paged-store';

let dir: string;
let proxy: RunningProxy;
let client: Redis;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-fold-'));
  const { store, options } = openStorage({ dataDir: dir, key: 'db.json', unsafeStorage: true } as Parameters<typeof openStorage>[0]);
  const executor = new InProcessExecutor(store, { ...options, paging: { threshold: 2000, softBytes: 1000, hardBytes: 64 << 10, limits: TINY } });
  proxy = await startProxy([], { executor });
  client = new Redis({ port: proxy.port, lazyConnect: true, maxRetriesPerRequest: 0 });
  await client.connect();
});

afterAll(async () => {
  client.disconnect();
  await proxy.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const info = async (field: string): Promise<number> => Number(new RegExp(`${field}:(\\d+)`).exec(await client.info('stats'))?.[1]);

it('many SETs page the database and fold it; every key reads back and DBSIZE is right', async () => {
  const N = 1500;
  for (let round = 0; round < 30; round++) {
    // Pipelined: each round is a few write batches, each response may ask for a fold.
    await Promise.all(Array.from({ length: N / 30 }, (_, i) => client.set(`key:${round * (N / 30) + i}`, `value-${round}-${i}`)));
  }
  // A few more writes carry the last deltas.
  for (let i = 0; i < 5; i++) await client.set(`key:${i}`, `value-0-${i}`);
  const values = await client.mget(...Array.from({ length: N }, (_, i) => `key:${i}`));
  expect(values).toEqual(Array.from({ length: N }, (_, i) => `value-${Math.floor(i / (N / 30))}-${i % (N / 30)}`));
  expect(await client.dbsize()).toBe(N);
  expect(fs.readdirSync(path.join(dir, 'db.json.pages')).length).toBeGreaterThan(0);
  expect(await info('valthree_folds_applied')).toBeGreaterThan(0);
  const root = JSON.parse(fs.readFileSync(path.join(dir, 'db.json'), 'utf8')) as { format: number; pages: Record<string, { nodes: unknown[]; log: unknown[] }> };
  expect(root.format).toBe(4);
  expect(root.pages['0'].nodes.length).toBeGreaterThan(0);
}, 60_000);

it('INFO used_memory is the database: db.json plus every page its refs reach, as stored', async () => {
  await client.set('key:1', 'last');
  const dataDir = path.join(dir, 'db.json.pages');
  const size = (name: string): number => fs.statSync(path.join(dataDir, name)).size;
  const body = fs.readFileSync(path.join(dir, 'db.json'));
  // The file store's commit window stays in memory: db.json carries none.
  expect((JSON.parse(body.toString('utf8')) as { commits: unknown[] }).commits).toEqual([]);
  let bytes = body.length;
  for (const d of Document.decode(body).pagedRoot.dbs) {
    for (const ref of d?.nodes ?? []) {
      bytes += size(ref.page);
      for (const leaf of decodePage(ref.page, fs.readFileSync(path.join(dataDir, ref.page))).leaves ?? []) bytes += size(leaf.page);
    }
  }
  const memory = await client.info('memory');
  expect(Number(/used_memory:(\d+)/.exec(memory)?.[1])).toBe(bytes);
  expect(bytes).toBeGreaterThan(body.length * 2);
  expect(memory).toContain(`maxmemory:${1024 ** 3}`);
});
