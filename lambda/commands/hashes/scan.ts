/** HSCAN key cursor [MATCH pattern] [COUNT count]: fields and values, SCAN's way (see scan-members.ts). */
import { hashEncoding } from '../keyspace/object';
import { scanCursor, scanMembers } from '../scan-members';
import { bulk, specOf, type Command } from '../types';

export const hscan: Command = {
  spec: specOf('hscan'),
  run(args, { db }) {
    const key = args.key();
    const cursor = scanCursor(args);
    const h = db.read(key, 'hash');
    return scanMembers(args, cursor, h?.fields, h !== undefined && hashEncoding(h) === 'listpack', (f, v) => [bulk(f), bulk(v)]);
  },
};
