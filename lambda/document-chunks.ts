/**
 * Persistent chunked collections: what hashes, sets, sorted sets, lists and
 * streams are made of. Entries are immutable once stored (the page cache and
 * the undo journal keep old entries as they were), but copying a 100k-member
 * aggregate on every write would cost what re-encoding the document costs.
 * So an aggregate is an array of small chunks; a change copies the array
 * (pointers) and the one or two chunks it changes, and shares the rest.
 * Each chunk caches its encoded JSON fragment, so encoding a changed
 * aggregate re-encodes only its changed chunks.
 *
 * - FieldMap: members by name, spread over 2^bits chunks by the top bits of
 *   their 52-bit hash (lambda/hash52.ts). A chunk is therefore a range of the
 *   hash space: HSCAN/SSCAN cursors are hash positions, as SCAN's are.
 * - Seq: an ordered sequence in chunks of at most SEQ_MAX items, with the
 *   chunks' start positions computed once per (immutable) Seq for indexing.
 *
 * FieldMap lives in document-fieldmap.ts, Seq in document-seq.ts, and the
 * fragments they cache in document-fragments.ts.
 */
export { fragments, type Fragmented, type ItemJson } from './document-fragments';
export { FieldMap, FieldMapDraft } from './document-fieldmap';
export { Seq } from './document-seq';
