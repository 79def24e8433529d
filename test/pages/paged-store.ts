/**
 * A paged db.json and its flat (format 3) twin, for the loading tests: the
 * same data, once with databases PAGED in pages (built by the real fold with
 * tiny limits: root log, node buffers and leaves all hold records) and once
 * inline. Batches run on both must answer and end the same.
 */
import { execute } from '../../lambda/engine';
import { Document, type Entry } from '../../lambda/document';
import { PageMissingError } from '../../lambda/pages/codec';
import { applyFold, fold } from '../../lambda/pages/fold';
import { PageReader, resolve } from '../../lambda/pages/keyspace';
import type { PageLimits } from '../../lambda/pages/layout';
import { emptyRoot, encodeRoot, writeRecord, type PagedRoot } from '../../lambda/pages/root';
import { PageLoader } from '../../lambda/loading';
import type { ObjectStore } from '../../lambda/store/types';
import { argv, b } from '../lambda/util';
import { form } from './entries';

export const DOC = 'db.json';
export const NOW = 1_700_000_000_000;
export const PAGED = [3, 5];
export const INLINE = 0;
export const TINY: PageLimits = { leafMaxBytes: 200, nodeMaxLeaves: 3, leafMinRecords: 2, nodeBufferMaxBytes: 300 };

/** What every database starts with: strings (some with a TTL that never passes in a test) and one of each aggregate. */
function setup(): Buffer[][] {
  const cmds: Buffer[][] = [];
  for (let i = 0; i < 24; i++) cmds.push(i % 4 === 0 ? argv('SET', `k${i}`, `v${i}`, 'PX', '100000000') : argv('SET', `k${i}`, `v${i}`));
  cmds.push(argv('HSET', 'h0', 'f1', 'a', 'f2', 'b'), argv('RPUSH', 'l0', 'a', 'b', 'c'), argv('SADD', 's0', 'x', 'y', 'z'), argv('ZADD', 'z0', '1', 'a', '2', 'b'), argv('SET', 'c', '10'));
  return cmds;
}

/** Changes over the paged data (each becomes a log record, or a node-buffer record after a fold). */
const ROUNDS: [string, Entry | null][][] = [
  [['k1', { type: 'string', value: b('new1') }], ['k2', null], ['fresh', { type: 'string', value: b('f') }], ['k5', { type: 'string', value: b('x5'), expiresAt: NOW + 1e8 }]],
  [['k6', null], ['k1', { type: 'string', value: b('newer') }], ['k9', { type: 'string', value: b('nine') }], ['fresh2', { type: 'string', value: b('g') }], ['k2', { type: 'string', value: b('back') }]],
];

export interface Fixture {
  flat: Buffer;
  paged: Buffer;
  pages: Map<string, Buffer>;
  root: PagedRoot;
}

/** A format-4 body: the inline document's members, then the paged ones. */
function format4(inline: Document, root: PagedRoot): Buffer {
  const text = inline.encode().toString('utf8');
  return Buffer.from(`{"format":4,${text.slice('{"format":3,'.length, -1)},${encodeRoot(root)}}`);
}

function readerOf(pages: Map<string, Buffer>): PageReader {
  return new PageReader(async (n) => {
    const p = pages.get(n);
    if (!p) throw new PageMissingError(n);
    return p;
  });
}

/** Writes `ops` to paged `db` of `root` (over whatever its pages hold) and to the flat twin. */
async function write(root: PagedRoot, db: number, ops: [string, Entry | null][], reader: PageReader, flat: Document, seq: number): Promise<void> {
  for (const [k, e] of ops) {
    const found = (await resolve(root, db, [k], reader)).get(k)!;
    writeRecord(root, db, k, e, found.below, seq);
    if (e) flat.put(b(k), e, db);
    else flat.delete(b(k), db);
  }
}

/** Folds paged `db`'s log into pages (all of them kept in `pages`). */
async function foldDb(root: PagedRoot, db: number, pages: Map<string, Buffer>, seq: number): Promise<void> {
  const delta = await fold(root, db, readerOf(pages), { limits: TINY, now: 0 });
  if (!delta) return;
  for (const [n, bytes] of delta.pages) pages.set(n, bytes);
  if (!applyFold(root, delta, seq, 0)) throw new Error('fold did not apply');
}

/** The twin documents. Each call folds anew: page names (their random tokens) differ between calls, the data does not. */
export async function fixture(): Promise<Fixture> {
  const flat = Document.empty();
  for (const db of [INLINE, ...PAGED]) execute(flat, [setup()], { now: NOW - 5000, dbs: [db] });
  const pages = new Map<string, Buffer>();
  const root = emptyRoot();
  for (const db of PAGED) {
    for (const k of flat.keys(db)) writeRecord(root, db, k.toString('latin1'), flat.entry(k, db) as Entry, 0, 1);
    await foldDb(root, db, pages, 2);
    await write(root, db, ROUNDS[0], readerOf(pages), flat, 3);
    await foldDb(root, db, pages, 4);
    await write(root, db, ROUNDS[1], readerOf(pages), flat, 5);
  }
  flat.seq = 6;
  flat.clock = NOW - 1000;
  const flatBody = Buffer.from(flat.encode());
  const inline = Document.decode(flatBody);
  for (const db of PAGED) inline.clear(db);
  return { flat: flatBody, paged: format4(inline, root), pages, root };
}

/** Every key of every database, its entry as format 3 writes it; paged databases read whole through their pages. */
export async function contents(body: Buffer, store: ObjectStore): Promise<Map<string, string | undefined>> {
  const doc = Document.decode(body);
  const loader = new PageLoader(store, DOC);
  const out = new Map<string, string | undefined>();
  for (let db = 0; db < 16; db++) {
    if (doc.isPaged(db)) await loader.resolveWhole(doc, db);
    for (const k of doc.keys(db)) out.set(`${db}/${k.toString('latin1')}`, form(doc.entry(k, db) as Entry));
    out.set(`${db} size`, String(doc.sizeOf(db)));
  }
  return out;
}
