/** SPOP and SRANDMEMBER: random members. */
import type { Reply } from '../../contract';
import { SetValue } from '../../document';
import { CommandError, SYNTAX_ERROR } from '../../errors';
import { parseInteger } from '../args';
import { anyIndexes, checkRandomCount, distinctIndexes, pick } from '../random';
import { bulk, NIL, specOf, type Command } from '../types';
import { memberBytes } from './members';

const MAX = 2n ** 63n - 1n;

/**
 * SPOP key [count]: without a count one random member (nil when absent),
 * removed; with one up to that many, as a set reply. Popping the last
 * member removes the key.
 */
export const spop: Command = {
  spec: specOf('spop'),
  run(args, { db }) {
    const key = args.key();
    if (args.left > 1) throw new CommandError(SYNTAX_ERROR);
    if (args.left === 0) {
      const s = db.read(key, 'set');
      if (s === undefined) return NIL;
      const [m] = s.members.nth(Math.floor(Math.random() * s.size));
      const d = s.draft();
      d.delete(m);
      db.update(key, new SetValue(d.done()));
      return bulk(memberBytes(m));
    }
    const n = parseInteger(args.next());
    // getPositiveLongFromObjectOrReply: a non-number and a negative number get the same text.
    if (n === null || n < 0n) throw new CommandError('ERR value is out of range, must be positive');
    const s = db.read(key, 'set');
    if (s === undefined || n === 0n) return { t: 'set', v: [] };
    let popped: string[];
    if (n >= BigInt(s.size)) popped = [...s.members.keys()];
    else {
      checkRandomCount(Number(n));
      popped = pick(s.members.keys(), distinctIndexes(s.size, Number(n)));
    }
    const d = s.draft();
    for (const m of popped) d.delete(m);
    db.update(key, new SetValue(d.done()));
    return { t: 'set', v: popped.map((m) => bulk(memberBytes(m))) };
  },
};

/**
 * SRANDMEMBER key [count]: one random member (nil when absent), or with a
 * count that many distinct ones (at most all), or with a negative count
 * exactly |count| that may repeat; an array on RESP3 too.
 */
export const srandmember: Command = {
  spec: specOf('srandmember'),
  run(args, { db }) {
    const key = args.key();
    if (args.left > 1) throw new CommandError(SYNTAX_ERROR);
    if (args.left === 0) {
      const s = db.read(key, 'set');
      return s === undefined ? NIL : bulk(memberBytes(s.members.nth(Math.floor(Math.random() * s.size))[0]));
    }
    const n = args.integer();
    if (n < -MAX) throw new CommandError('ERR value is out of range, value must between -9223372036854775807 and 9223372036854775807');
    const s = db.read(key, 'set');
    const count = n < 0n ? -n : n;
    if (s === undefined || count === 0n) return { t: 'array', v: [] };
    let members: string[];
    if (n > 0n && count >= BigInt(s.size)) members = [...s.members.keys()];
    else {
      checkRandomCount(Number(count));
      members = pick(s.members.keys(), n < 0n ? anyIndexes(s.size, Number(count)) : distinctIndexes(s.size, Number(count)));
    }
    return { t: 'array', v: members.map((m): Reply => bulk(memberBytes(m))) };
  },
};
