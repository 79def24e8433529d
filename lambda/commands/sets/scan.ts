/** SSCAN key cursor [MATCH pattern] [COUNT count]: members, SCAN's way (see scan-members.ts). */
import { setEncoding } from '../keyspace/object';
import { scanCursor, scanMembers } from '../scan-members';
import { bulk, specOf, type Command } from '../types';

export const sscan: Command = {
  spec: specOf('sscan'),
  run(args, { db }) {
    const key = args.key();
    const cursor = scanCursor(args);
    const s = db.read(key, 'set');
    // Only an intset is returned whole: Redis 7.0 has no listpack sets.
    return scanMembers(args, cursor, s?.members, s !== undefined && setEncoding(s) === 'intset', (m) => [bulk(m)]);
  },
};
