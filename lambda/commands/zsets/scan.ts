/**
 * ZSCAN key cursor [MATCH pattern] [COUNT n]: members and their scores as
 * bulk strings (on RESP3 too, as Redis answers).
 *
 * A set of up to 128 members comes back whole in one call, in rank order,
 * whatever the cursor — what redis-server does with such a set (a listpack,
 * which it does not iterate in steps). A larger one is scanned by member
 * hash, as SCAN scans keys (FieldMap.scan): the cursor is a position in the
 * 52-bit hash space, so a member present throughout is returned at least
 * once whatever changes meanwhile.
 */
import type { Reply } from '../../contract';
import { CommandError, SYNTAX_ERROR } from '../../errors';
import { globMatch } from '../keyspace/glob';
import { parseCursor } from '../keyspace/scan';
import { bulk, specOf, type Command } from '../types';
import { formatScore } from './score';
import { memberReply } from './zset';

/** redis-server's zset-max-listpack-entries: sets up to this size are answered in one page. */
const ONE_PAGE = 128;

const page = (next: number, items: Reply[]): Reply => ({ t: 'array', v: [bulk(Buffer.from(String(next))), { t: 'array', v: items }] });

export const zscan: Command = {
  spec: specOf('zscan'),
  run(args, { db }) {
    const key = args.key();
    const cursor = parseCursor(args.next());
    const z = db.read(key, 'zset');
    if (!z) return page(0, []);
    let count = 10;
    let pattern: Buffer | null = null;
    while (args.left > 0) {
      const w = args.word();
      if (args.left < 1) throw new CommandError(SYNTAX_ERROR);
      if (w === 'count') {
        const n = args.integer();
        if (n < 1n) throw new CommandError(SYNTAX_ERROR);
        count = Number(n);
      } else if (w === 'match') {
        const p = args.next();
        pattern = p.length === 1 && p[0] === 0x2a ? null : p;
      } else throw new CommandError(SYNTAX_ERROR);
    }
    let next = 0;
    let entries: [string, number][];
    if (z.size <= ONE_PAGE) entries = z.order.toArray().map((x) => [x.m, x.s]);
    else if (cursor >= 2n ** 52n) entries = [];
    else ({ next, entries } = z.scores.scan(Number(cursor), count));
    const items: Reply[] = [];
    for (const [m, s] of entries) {
      if (pattern !== null && !globMatch(pattern, Buffer.from(m, 'latin1'))) continue;
      items.push(memberReply(m), bulk(Buffer.from(formatScore(s), 'latin1')));
    }
    return page(next, items);
  },
};
