/**
 * HSCAN and SSCAN (and ZSCAN, when it lands): SCAN's cursor semantics over
 * one aggregate's members. An aggregate Redis keeps in a compact encoding
 * (listpack, intset) is returned whole with cursor 0, whatever the cursor
 * and COUNT, as Redis does; a big one a chunk at a time, the cursor being a
 * position in member-hash space (FieldMap.scan), so a member present for
 * the whole iteration is returned at least once.
 */
import type { Reply } from '../contract';
import type { FieldMap } from '../document';
import type { Args } from './args';
import { globMatch } from './keyspace/glob';
import { parseCursor, scanOptions } from './keyspace/scan';
import { bulk } from './types';

/** The cursor word, checked before the key is looked up (Redis's order). */
export const scanCursor = (args: Args): bigint => parseCursor(args.next());

/**
 * The reply `[cursor, [items...]]` for `members` (undefined: the key is
 * absent, answered before the options are parsed, as Redis does). `items`
 * turns a member into its reply words (HSCAN: field and value).
 */
export function scanMembers<V>(args: Args, cursor: bigint, members: FieldMap<V> | undefined, compact: boolean, items: (member: Buffer, v: V) => Reply[]): Reply {
  if (members === undefined) return page(0, []);
  const o = scanOptions(args, false);
  let next = 0;
  let found: [string, V][];
  if (compact) found = [...members.entries()];
  else if (cursor >= 2n ** 52n) found = [];
  else ({ next, entries: found } = members.scan(Number(cursor), o.count));
  const out: Reply[] = [];
  for (const [m, v] of found) {
    const member = Buffer.from(m, 'latin1');
    if (o.pattern === null || globMatch(o.pattern, member)) out.push(...items(member, v));
  }
  return page(next, out);
}

function page(next: number, items: Reply[]): Reply {
  return { t: 'array', v: [bulk(Buffer.from(String(next))), { t: 'array', v: items }] };
}
