/**
 * The in-memory commit windows of sole-writer stores (the file store): one
 * per store object and document key, shared by every handler over that
 * store in this process (the in-process executor's, a test's several), so
 * that a WATCH answered by one handler is checked by another against the
 * same records. See LOCAL_WINDOW for why such a window is not persisted.
 */
import { CommitWindow } from './document-commits';
import type { ObjectStore } from './store/types';

const windows = new WeakMap<ObjectStore, Map<string, CommitWindow>>();

/** The shared window of `key` when `store` has one writer, this process; else undefined (the window travels in the document). */
export function localWindow(store: ObjectStore, key: string): CommitWindow | undefined {
  if (store.soleWriter !== true) return undefined;
  let byKey = windows.get(store);
  if (!byKey) windows.set(store, (byKey = new Map()));
  let w = byKey.get(key);
  if (!w) byKey.set(key, (w = new CommitWindow(false)));
  return w;
}
