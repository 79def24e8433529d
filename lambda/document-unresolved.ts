/*
 * What a batch touched in a paged database that the loader did not resolve
 * into the snapshot (layout.ts §6): an error the attempt catches, never an answer.
 */

/**
 * What a run needs resolved that is not (loading.ts loads it, then reruns):
 * a key; the whole database (KEYS; a script walking many keys); the leaf refs
 * of every node (FLUSHDB/FLUSHALL retire them); the hash range from `from`
 * on until `need` more keys (SCAN); the `index`-th RANDOMKEY pick's leaf.
 */
export type Want =
  | { kind: 'key'; key: string }
  | { kind: 'whole' }
  | { kind: 'nodes' }
  | { kind: 'span'; from: number; need: number }
  | { kind: 'random'; index: number };

const wantText = (w: Want): string =>
  w.kind === 'key' ? `key ${JSON.stringify(w.key)} is paged and was` : w.kind === 'whole' ? 'the whole database is paged and was' : w.kind === 'nodes' ? 'its node pages were' : w.kind === 'span' ? `its keys from hash position ${w.from} were` : 'no leaf was picked for RANDOMKEY';

/** The batch touched what was not resolved into the snapshot, of a paged database: `want` says what. */
export class NotResolvedError extends Error {
  readonly want: Want;
  constructor(readonly db: number, readonly key: string | undefined, want?: Want) {
    const w: Want = want ?? (key === undefined ? { kind: 'whole' } : { kind: 'key', key });
    super(`db ${db}: ${wantText(w)} not loaded for this batch`);
    this.want = w;
  }
}
