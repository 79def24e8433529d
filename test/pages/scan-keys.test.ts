/**
 * SCAN and KEYS on a paged database (layout.ts §2, step 5): SCAN loads the
 * leaf ranges from its cursor until it has COUNT keys (and the one after,
 * which names the next cursor), so it answers exactly as the flat twin and
 * reads a few pages, not all; its cursor, a hash position, stays valid while
 * folds split the pages under it. KEYS reads every page, a node at a time.
 */
import type { WireReply } from '../../lambda/contract';
import { int } from '../lambda/util';
import { ok, referenced, request, rootOf, sorted, text, twins, tx, words, type Twins } from './whole-commands.support';

/** A whole SCAN on both twins, step by step: the same replies each time; the keys it returned. */
async function scanAll(t: Twins, ...opts: string[]): Promise<{ keys: string[]; steps: number }> {
  let cursor = '0';
  const keys: string[] = [];
  let steps = 0;
  do {
    const [r] = await t.both(0, words('SCAN', cursor, ...opts));
    if (r.t !== 'array' || r.v[1].t !== 'array') throw new Error(`SCAN answered ${JSON.stringify(r)}`);
    cursor = text(r.v[0]);
    keys.push(...r.v[1].v.map(text));
    steps++;
  } while (cursor !== '0');
  return { keys, steps };
}

async function keysOn(t: Twins, pattern: string): Promise<{ paged: WireReply; flat: WireReply }> {
  const run = async (h: typeof t.hp) => sorted(ok(await h(request([{ db: 0, commands: [words('KEYS', pattern)] }]))).sessions[0].replies[0]);
  return { paged: await run(t.hp), flat: await run(t.hf) };
}

const listed = (r: WireReply): string[] => (r.t === 'array' ? r.v.map(text).sort() : []);

describe('SCAN on a paged database', () => {
  it.each([[['COUNT', '10']], [['COUNT', '3', 'MATCH', 'key:1*']], [['TYPE', 'hash']], [['COUNT', '25', 'TYPE', 'string']], [[]]])('SCAN … %j: every step as the flat twin; every key once', async (opts) => {
    const t = await twins(150);
    const { keys } = await scanAll(t, ...opts);
    const pattern = opts.includes('MATCH') ? opts[opts.indexOf('MATCH') + 1] : '*';
    const { flat } = await keysOn(t, pattern);
    const want = listed(flat).filter((k) => !opts.includes('TYPE') || (opts.includes('hash') ? k === 'hash' : k !== 'hash' && k !== 'set'));
    expect([...keys].sort()).toEqual(want);
  });

  it('SCAN 0 COUNT 10 from a cold handler reads a few pages, not every page', async () => {
    const t = await twins(300);
    const all = referenced(t.paged, 0).length;
    const cold = t.cold();
    t.paged.pageGets.length = 0;
    const got = ok(await cold(request([{ db: 0, commands: [words('SCAN', '0', 'COUNT', '10')] }])));
    const want = ok(await t.hf(request([{ db: 0, commands: [words('SCAN', '0', 'COUNT', '10')] }])));
    expect(got.sessions).toEqual(want.sessions);
    expect(all).toBeGreaterThan(40);
    expect(t.paged.pageGets.length).toBeGreaterThan(0);
    expect(t.paged.pageGets.length).toBeLessThan(all / 4);
    // Counted in the batch's stats too.
    expect(got.stats.s3Gets).toBeGreaterThanOrEqual(t.paged.pageGets.length);
  });

  it('a MATCH that matches nothing walks the hash space in a bounded number of rounds', async () => {
    const t = await twins(200);
    const [r] = await t.both(0, words('SCAN', '0', 'MATCH', 'nothing:*', 'COUNT', '10'));
    expect(r).toEqual({ t: 'array', v: [{ t: 'bulk', v: Buffer.from('0').toString('base64') }, { t: 'array', v: [] }] });
  });

  it('the cursor stays valid while folds split the pages under it: every key present throughout comes back', async () => {
    const t = await twins(150);
    const { flat } = await keysOn(t, '*');
    const present = listed(flat);
    const nodesBefore = rootOf(t.paged).pagedRoot.dbs[0]!.nodes.map((n) => n.page);
    let cursor = '0';
    const seen = new Set<string>();
    let round = 0;
    do {
      const res = ok(await t.hp(request([{ db: 0, commands: [words('SCAN', cursor, 'COUNT', '7')] }])));
      const r = res.sessions[0].replies[0];
      if (r.t !== 'array' || r.v[1].t !== 'array') throw new Error('not a SCAN reply');
      cursor = text(r.v[0]);
      for (const k of r.v[1].v) seen.add(text(k));
      // Between steps: new keys (folded past the hard bound, splitting leaves and nodes) and some of them deleted again.
      const adds = Array.from({ length: 30 }, (_, i) => words('SET', `new:${round}:${i}`, 'x'.repeat(20)));
      ok(await t.hp(request([{ db: 0, commands: [...adds, words('DEL', `new:${round}:3`, `new:${round}:4`)] }])));
      round++;
    } while (cursor !== '0');
    const nodesAfter = rootOf(t.paged).pagedRoot.dbs[0]!.nodes.map((n) => n.page);
    // The pages did change under the scan.
    expect(nodesAfter.filter((p) => nodesBefore.includes(p)).length).toBeLessThan(nodesBefore.length);
    expect(present.filter((k) => !seen.has(k))).toEqual([]);
  });

  it('in MULTI/EXEC and in a script: as the flat twin', async () => {
    const t = await twins(100);
    await t.both(0, tx([], [0, ['SCAN', '0', 'COUNT', '5']], [0, ['SET', 'mid', '1']], [0, ['SCAN', '0', 'COUNT', '5', 'MATCH', 'key:2*']]));
    await t.both(0, words('EVAL', "local r = redis.call('SCAN', '0', 'COUNT', '6'); return r[2]", '0'));
  });
});

describe('KEYS on a paged database', () => {
  it('every pattern as the flat twin; a cold handler reads each page once', async () => {
    const t = await twins(150);
    for (const p of ['*', 'key:1*', 'h?sh', '[sh]*', 'none*']) {
      const { paged, flat } = await keysOn(t, p);
      expect(paged).toEqual(flat);
    }
    const cold = t.cold();
    t.paged.pageGets.length = 0;
    const res = ok(await cold(request([{ db: 0, commands: [words('KEYS', '*'), words('DBSIZE')] }])));
    expect(new Set(t.paged.pageGets).size).toBe(t.paged.pageGets.length);
    expect([...t.paged.pageGets].sort()).toEqual(referenced(t.paged, 0).sort());
    const r = res.sessions[0].replies;
    expect(r[1]).toEqual(int(listed(r[0]).length));
  });

  it('DBSIZE reads no page', async () => {
    const t = await twins(100);
    const cold = t.cold();
    t.paged.pageGets.length = 0;
    await t.both(0, words('DBSIZE'));
    ok(await cold(request([{ db: 0, commands: [words('DBSIZE')] }])));
    expect(t.paged.pageGets).toEqual([]);
  });
});
