import fc from 'fast-check';
import { STORAGE_DEFAULTS } from '../../lambda/config';
import { DEFAULT_MAX_CLOCK_SKEW_MS } from '../../lambda/handler';
import { DEFAULT_TIMING, graceMs, nodePages, pendingDeltaBoundMs, planGc, readerBoundMs, referencedPages, snapshotsToRead, type Listed } from '../../lambda/pages/gc';
import { FOLD_MAX_AGE_MS, GRACE_MS, RETIRED_HORIZON_MS } from '../../lambda/pages/layout';
import { Log } from '../../lambda/pages/log';
import { emptyRoot, type PagedRoot } from '../../lambda/pages/root';
import { DEFAULTS as CDK_DEFAULTS, invokeTimeoutMs } from '../../lib/config';

const name = (i: number): string => `${i.toString(16).padStart(16, '0')}-tok${String(i % 100000).padStart(5, '0')}`;
const NOW = 10_000_000;

/** A root whose database `db` has these node pages. */
function rootWith(nodes: string[], db = 0): PagedRoot {
  const root = emptyRoot();
  if (nodes.length > 0) root.dbs[db] = { nodes: nodes.map((page, i) => ({ lo: i * 1000, page, n: 1, x: 0 })), log: new Log() };
  return root;
}

describe('page GC timing (the derivation in lambda/pages/gc.ts)', () => {
  test('the assumed timings are the configured defaults', () => {
    expect(DEFAULT_TIMING.runMs).toBe(CDK_DEFAULTS.lambdaTimeoutSeconds * 1000);
    expect(DEFAULT_TIMING.skewMs).toBe(DEFAULT_MAX_CLOCK_SKEW_MS);
    expect(DEFAULT_TIMING.foldMaxAgeMs).toBe(FOLD_MAX_AGE_MS);
    // Every S3 request runs inside the run; the proxy stops waiting only after the run has ended.
    expect(CDK_DEFAULTS.s3TimeoutMs).toBeLessThan(DEFAULT_TIMING.runMs);
    expect(STORAGE_DEFAULTS.s3TimeoutMs).toBeLessThan(DEFAULT_TIMING.runMs);
    expect(invokeTimeoutMs(CDK_DEFAULTS)).toBeGreaterThan(DEFAULT_TIMING.runMs);
  });

  test('GRACE and RETIRED_HORIZON meet the inequalities (a), (b), (c)', () => {
    const { runMs: R, skewMs: e, foldMaxAgeMs: F } = DEFAULT_TIMING;
    expect(GRACE_MS).toBeGreaterThanOrEqual(F + R + 3 * e); // (a) pending deltas
    expect(GRACE_MS).toBeGreaterThanOrEqual(2 * R + 2 * e); // (b) readers
    expect(RETIRED_HORIZON_MS).toBeGreaterThanOrEqual(2 * R + 2 * e); // (c) dropped records
    expect(RETIRED_HORIZON_MS).toBeGreaterThanOrEqual(GRACE_MS + e);
    expect([pendingDeltaBoundMs(DEFAULT_TIMING), readerBoundMs(DEFAULT_TIMING)]).toEqual([45_000, 30_000]);
    expect(graceMs(DEFAULT_TIMING)).toBe(GRACE_MS);
  });

  test('a longer Lambda timeout lengthens the grace', () => {
    expect(graceMs({ ...DEFAULT_TIMING, runMs: 60_000 })).toBe(2 * 60_000 + 10_000);
    // Where the skew is large, the pending deltas' bound (a) dominates.
    expect(graceMs({ ...DEFAULT_TIMING, skewMs: 20_000 })).toBe(20_000 + 10_000 + 60_000);
  });
});

describe('planGc', () => {
  const old = NOW - GRACE_MS - 1;
  const recent = NOW - GRACE_MS + 1000;

  test('deletes an orphan older than the grace, keeps one younger', () => {
    const listing: Listed[] = [
      { name: name(1), lastModified: old },
      { name: name(2), lastModified: recent },
    ];
    const plan = planGc({ listing, current: emptyRoot(), snapshots: [], children: new Map(), now: NOW });
    expect(plan).toEqual({ delete: [name(1)], referenced: 0, young: 1 });
  });

  test('keeps a page retired recently even though its upload is old; deletes one retired long ago', () => {
    const current = emptyRoot();
    current.retired = [
      [NOW - GRACE_MS - 5, [name(1)]],
      [NOW - 1000, [name(2)]],
    ];
    const listing = [1, 2].map((i) => ({ name: name(i), lastModified: NOW - 3_600_000 }));
    expect(planGc({ listing, current, snapshots: [], children: new Map(), now: NOW }).delete).toEqual([name(1)]);
  });

  test('keeps node pages and their leaves named by the current root or a snapshot, however old', () => {
    const current = rootWith([name(1)]);
    const snap = rootWith([name(2)], 3);
    const children = new Map([
      [name(1), [name(10), name(11)]],
      [name(2), [name(20)]],
    ]);
    const listing = [1, 2, 10, 11, 20, 99].map((i) => ({ name: name(i), lastModified: 0 }));
    // Even a retired record does not override a reference (a restore re-references a snapshot's pages).
    current.retired = [[0, [name(20)]]];
    const plan = planGc({ listing, current, snapshots: [snap], children, now: NOW });
    expect(plan).toEqual({ delete: [name(99)], referenced: 5, young: 0 });
  });

  test('a node page a root names but the runner did not read is an error, not "no leaves"', () => {
    expect(() => planGc({ listing: [], current: rootWith([name(1)]), snapshots: [], children: new Map(), now: NOW })).toThrow(/node page 0000000000000001-tok00001 .* not read/);
    expect(nodePages(rootWith([name(1), name(2)], 15))).toEqual([name(1), name(2)]);
  });

  test('property: no referenced page is ever chosen; every chosen page is old by its record or its upload', () => {
    const idx = fc.integer({ min: 0, max: 40 });
    fc.assert(
      fc.property(
        fc.record({
          listed: fc.uniqueArray(idx, { maxLength: 30 }),
          uploads: fc.array(fc.integer({ min: NOW - 3 * GRACE_MS, max: NOW + 5000 }), { minLength: 41, maxLength: 41 }),
          currentNodes: fc.uniqueArray(idx, { maxLength: 4 }),
          snapshotNodes: fc.array(fc.uniqueArray(idx, { maxLength: 3 }), { maxLength: 3 }),
          leaves: fc.array(fc.uniqueArray(idx, { maxLength: 4 }), { minLength: 41, maxLength: 41 }),
          retired: fc.array(fc.tuple(fc.integer({ min: NOW - 3 * GRACE_MS, max: NOW + 5000 }), fc.uniqueArray(idx, { maxLength: 5 })), { maxLength: 4 }),
        }),
        (c) => {
          const current = rootWith(c.currentNodes.map(name));
          current.retired = c.retired.map(([t, ns]) => [t, ns.map(name)]);
          const snapshots = c.snapshotNodes.map((ns, i) => rootWith(ns.map(name), i + 1));
          const children = new Map(c.leaves.map((ls, i) => [name(i), ls.map(name)]));
          const listing = c.listed.map((i) => ({ name: name(i), lastModified: c.uploads[i] }));
          const plan = planGc({ listing, current, snapshots, children, now: NOW });
          // The reference closure, computed independently: everything reachable from any root's nodes.
          const reach = new Set<number>();
          const todo = [c.currentNodes, ...c.snapshotNodes].flat();
          for (let n = todo.pop(); n !== undefined; n = todo.pop()) {
            if (reach.has(n)) continue;
            reach.add(n);
            todo.push(...c.leaves[n]);
          }
          const refs = new Set([...reach].map(name));
          for (const d of plan.delete) expect(refs.has(d)).toBe(false);
          for (const { name: n, lastModified } of listing) {
            const records = current.retired.filter(([, ns]) => ns.includes(n)).map(([t]) => t);
            const since = records.length > 0 ? Math.max(...records) : lastModified;
            expect(plan.delete.includes(n)).toBe(!refs.has(n) && NOW - since > GRACE_MS);
          }
          expect(plan.delete.length + plan.referenced + plan.young).toBe(listing.length);
        },
      ),
      { numRuns: 300 },
    );
  });

  test('referencedPages follows node pages to their leaves only', () => {
    const children = new Map([
      [name(1), [name(2)]],
      [name(2), [name(3)]],
    ]);
    // A leaf's own entry in `children` would be followed too (aggregate member pages, a later step).
    expect([...referencedPages([rootWith([name(1)])], children)].sort()).toEqual([name(1), name(2), name(3)]);
  });
});

describe('snapshotsToRead', () => {
  test('skips snapshots older than every listed page (with the grace as margin)', () => {
    const listing = [{ name: name(1), lastModified: NOW }];
    const snaps = [
      { key: 'snapshots/a.json', lastModified: NOW - GRACE_MS - 1 },
      { key: 'snapshots/b.json', lastModified: NOW - GRACE_MS },
      { key: 'snapshots/c.json', lastModified: NOW + 1 },
    ];
    expect(snapshotsToRead(snaps, listing).map((s) => s.key)).toEqual(['snapshots/b.json', 'snapshots/c.json']);
    expect(snapshotsToRead(snaps, [])).toEqual([]);
  });
});
