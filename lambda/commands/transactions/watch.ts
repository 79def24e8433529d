import { keyMark } from '../../changes';
import type { PendingWatch } from '../context';
import { specOf, type Command } from '../types';

/**
 * WATCH key...: where the keys stand in the document's history, for EXEC to
 * compare against. The proxy turns the reply into `+OK` and keeps it; see
 * lambda/transaction.ts for what the reply means.
 */
export const watch: Command = {
  spec: specOf('watch'),
  run(args, ctx) {
    const keys = args.rest();
    const reply: PendingWatch['reply'] = {
      t: 'array',
      v: [{ t: 'int', v: ctx.db.doc.seq }, ...keys.map((k) => ({ t: 'int' as const, v: ctx.db.presence(k) as number }))],
    };
    const { touched, db } = ctx.db;
    touched.watches.push({ db, marks: keys.map((k) => keyMark(db, k)), at: touched.changes.length, reply });
    return reply;
  },
};
