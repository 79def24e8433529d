/**
 * Big aggregates split into pages by member (layout.ts §3), through the
 * handler: a hash, set, zset, list and stream past the aggregate page size are
 * stubs in the root log, node buffers and leaves, their members in member
 * pages; every command on them answers as on the flat twin (the same batches
 * on a database that is never paged), warm, after folds move the stubs down,
 * and from a cold handler reading the pages.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { stubOf } from '../../lambda/pages/stub';
import { FileStore } from '../../lambda/store/file';
import { MemoryStore } from '../support/memory-store';
import { both, bigAggregates, foldDeltas, handlerOn, ok, batch, pagesIn, rootOf, twins, WHOLE } from './agg-twin';

const SIZE = 400;

/** The paged side's stubs in its root log: key → index page. */
function logStubs(store: MemoryStore): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, r] of rootOf(store).pagedRoot.dbs[0]?.log ?? []) {
    const s = stubOf(r.e);
    if (s) out.set(k, s.index);
  }
  return out;
}

async function built() {
  const store = new MemoryStore();
  const t = twins(store);
  await both(t, bigAggregates(SIZE));
  return { t, store };
}

describe('big aggregates in member pages', () => {
  it('are stored as stubs: db.json holds no member, every type has an index page, and reads match the flat twin', async () => {
    const { t, store } = await built();
    const body = (store.body('db.json') as Buffer).toString();
    expect(rootOf(store).pagedFormat).toBe(true);
    for (const member of ['field:123', 'value:321', 'member:77', 'm:250', 'element:399', 'stream value 42']) expect(body).not.toContain(member);
    expect(pagesIn(store).indexes.length).toBe(5);
    await both(t, WHOLE);
    // A cold handler on the same store reads every member from the pages.
    const cold = ok(await handlerOn(store, true)(batch(WHOLE)));
    const flat = ok(await t.flat.h(batch(WHOLE)));
    expect(cold.sessions[0].replies).toEqual(flat.sessions[0].replies);
  });

  it('HSET/HGET/HDEL, SADD/SREM, ZADD/ZRANGE/ZRANK, RPUSH/LRANGE/LPOP, XADD/XRANGE answer as on the flat twin, round after round, across folds', async () => {
    const { t, store } = await built();
    for (let round = 0; round < 4; round++) {
      const r = String(round);
      const deltas = round % 2 === 1 ? await foldDeltas(t.paged.h) : undefined;
      await both(
        t,
        [
          ['HGET', 'h', `field:${7 + round}`], ['HGET', 'h', 'nope'], ['HSET', 'h', `field:${7 + round}`, `changed ${r}`, `new:${r}`, 'x'], ['HDEL', 'h', `field:${100 + round}`, 'absent'], ['HLEN', 'h'], ['HGET', 'h', `field:${7 + round}`], ['HEXISTS', 'h', `field:${100 + round}`],
          ['SADD', 's', `new member ${r}`, 'member:5'], ['SREM', 's', `member:${200 + round}`], ['SISMEMBER', 's', `member:${200 + round}`], ['SCARD', 's'],
          ['ZADD', 'z', '1.5', `zm ${r}`, '96', 'm:3'], ['ZRANGE', 'z', '0', '9', 'WITHSCORES'], ['ZRANK', 'z', 'm:3'], ['ZREVRANK', 'z', `zm ${r}`], ['ZSCORE', 'z', 'm:50'], ['ZREM', 'z', `m:${300 + round}`], ['ZCARD', 'z'], ['ZRANGEBYSCORE', 'z', '5', '6'],
          ['RPUSH', 'l', `tail ${r}`], ['LPOP', 'l'], ['LPUSH', 'l', `head ${r}`], ['LRANGE', 'l', '0', '4'], ['LRANGE', 'l', '-3', '-1'], ['LINDEX', 'l', '200'], ['LLEN', 'l'],
          ['XADD', 'x', `${1000 + round}-0`, 'f', r], ['XRANGE', 'x', '-', '+', 'COUNT', '3'], ['XREVRANGE', 'x', '+', '-', 'COUNT', '2'], ['XDEL', 'x', `${10 + round}-0`], ['XLEN', 'x'],
        ],
        deltas,
      );
      if (deltas) expect(deltas.length).toBeGreaterThan(0);
      await both(t, WHOLE);
    }
    // The last round's stubs are in the root log; the earlier ones went down into pages.
    expect([...logStubs(store).keys()].sort()).toEqual(['h', 'l', 's', 'x', 'z']);
    const cold = ok(await handlerOn(store, true)(batch(WHOLE)));
    expect(cold.sessions[0].replies).toEqual(ok(await t.flat.h(batch(WHOLE))).sessions[0].replies);
  });

  it('DEL, UNLINK, RENAME, COPY, EXPIRE and TYPE on paged aggregates', async () => {
    const { t, store } = await built();
    const before = pagesIn(store).all.length;
    // EXPIRE changes no member: the stub keeps its index and member pages, nothing is uploaded.
    const expired = await both(t, [['EXPIRE', 'h', '100000'], ['TTL', 'h'], ['TYPE', 'h'], ['TYPE', 's'], ['TYPE', 'z'], ['TYPE', 'l'], ['TYPE', 'x']]);
    expect(expired.stats.s3Puts).toBe(1);
    expect(pagesIn(store).all.length).toBe(before);
    await both(t, [['COPY', 'h', 'h2'], ['RENAME', 'l', 'l2'], ['DEL', 's'], ['UNLINK', 'z'], ['EXISTS', 'h', 'h2', 'l', 'l2', 's', 'z'], ['COPY', 'x', 'x2', 'DB', '1'], ['DBSIZE']]);
    const reads = [['HGETALL', 'h2'], ['TTL', 'h2'], ['LRANGE', 'l2', '0', '-1'], ['SCARD', 's'], ['ZCARD', 'z'], ['HLEN', 'h'], ['SELECT', '1'], ['XRANGE', 'x2', '-', '+'], ['DBSIZE']];
    await both(t, reads);
    await both(t, [['HSET', 'h2', 'field:1', 'two'], ['HGET', 'h', 'field:1'], ['HGET', 'h2', 'field:1']]);
    await both(t, [['XADD', 'x', '99999999999999-0', 'big', 'id'], ['XDEL', 'x', '99999999999999-0'], ['XADD', 'x', '99999999999998-0', 'too', 'small']]);
    const deltas = await foldDeltas(t.paged.h);
    await both(t, [['DEL', 'h'], ['HLEN', 'h2'], ['XADD', 'x', '99999999999999-*', 'again', '1'], ['XREVRANGE', 'x', '+', '-', 'COUNT', '3'], ['XLEN', 'x']], deltas);
    const cold = ok(await handlerOn(store, true)(batch([...reads, ['SELECT', '0'], ['HGETALL', 'h'], ['HGETALL', 'h2']])));
    expect(cold.sessions[0].replies).toEqual(ok(await t.flat.h(batch([...reads, ['SELECT', '0'], ['HGETALL', 'h'], ['HGETALL', 'h2']]))).sessions[0].replies);
    // Database 1 is inline: the copy there holds members, not a stub naming pages.
    expect((store.body('db.json') as Buffer).toString()).toContain('stream value 42');
  });

  it('the file store keeps member pages in its data directory and reads them back cold', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-aggs-'));
    const store = new FileStore(dir);
    try {
      const t = twins(store);
      await both(t, bigAggregates(SIZE));
      await both(t, [['HSET', 'h', 'field:9', 'file'], ['RPUSH', 'l', 'file'], ['ZADD', 'z', '3', 'file']], await foldDeltas(t.paged.h));
      const index = fs.readdirSync(path.join(dir, 'db.json.pages')).filter((p) => fs.readFileSync(path.join(dir, 'db.json.pages', p)).subarray(0, 4).toString() === 'vpa1');
      expect(index.length).toBeGreaterThan(5);
      // A new handler (cold caches) on the same directory: a FileStore locks it for its one process.
      const cold = ok(await handlerOn(store, true)(batch(WHOLE)));
      expect(cold.sessions[0].replies).toEqual(ok(await t.flat.h(batch(WHOLE))).sessions[0].replies);
    } finally {
      store.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
