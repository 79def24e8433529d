/**
 * Sorted sets (Redis's @sortedset group), as redis-server 7.0.15's COMMAND
 * INFO and COMMAND DOCS print them: arity, flags, key specs (ZUNIONSTORE's
 * and ZMPOP's keys follow a numkeys argument), since and summary.
 */
import { key, spec, type Extra } from './build';
import type { CommandSpec, KeySpec, ReplyShape } from './types';

const G = 'sorted-set';

/** Keys counted by the argument at `index` (numkeys), starting right after it. */
function keynum(flags: string, index: number): KeySpec {
  return { flags: flags.split(' ') as KeySpec['flags'], begin: { index }, find: { keyNumIdx: 0, firstKey: 1, step: 1 } };
}

const one = (flags: string): Extra => ({ keys: [key(flags)] });
const z = (name: string, arity: number, flags: string, since: string, reply: ReplyShape, summary: string, extra: Extra) => spec(name, arity, flags, G, since, reply, summary, extra);
/** A read of one key, RO access (ZRANGE and most readers). */
const reader = (name: string, arity: number, flags: string, since: string, reply: ReplyShape, summary: string) => z(name, arity, flags, since, reply, summary, one('RO access'));
/** A …STORE command: the destination, then numkeys source keys. */
const store = (name: string, since: string, summary: string) =>
  z(name, -4, 'write denyoom movablekeys', since, 'integer', summary, { keys: [key('OW update'), keynum('RO access', 2)] });
/** ZUNION / ZINTER / ZDIFF / ZINTERCARD: numkeys source keys. */
const combine = (name: string, since: string, reply: ReplyShape, summary: string) => z(name, -3, 'readonly movablekeys', since, reply, summary, { keys: [keynum('RO access', 1)] });

export const ZSET_SPECS: readonly CommandSpec[] = [
  z('zadd', -4, 'write denyoom fast', '1.2.0', 'any', 'Add one or more members to a sorted set, or update its score if it already exists', one('RW update')),
  z('zincrby', 4, 'write denyoom fast', '1.2.0', 'double', 'Increment the score of a member in a sorted set', one('RW access update')),
  z('zrem', -3, 'write fast', '1.2.0', 'integer', 'Remove one or more members from a sorted set', one('RW delete')),
  reader('zscore', 3, 'readonly fast', '1.2.0', 'double', 'Get the score associated with the given member in a sorted set'),
  reader('zmscore', -3, 'readonly fast', '6.2.0', 'array', 'Get the score associated with the given members in a sorted set'),
  z('zcard', 2, 'readonly fast', '1.2.0', 'integer', 'Get the number of members in a sorted set', one('RO')),
  reader('zcount', 4, 'readonly fast', '2.0.0', 'integer', 'Count the members in a sorted set with scores within the given values'),
  reader('zlexcount', 4, 'readonly fast', '2.8.9', 'integer', 'Count the number of members in a sorted set between a given lexicographical range'),
  reader('zrank', 3, 'readonly fast', '2.0.0', 'any', 'Determine the index of a member in a sorted set'),
  reader('zrevrank', 3, 'readonly fast', '2.0.0', 'any', 'Determine the index of a member in a sorted set, with scores ordered from high to low'),
  reader('zrange', -4, 'readonly', '1.2.0', 'array', 'Return a range of members in a sorted set'),
  reader('zrangebyscore', -4, 'readonly', '1.0.5', 'array', 'Return a range of members in a sorted set, by score'),
  reader('zrevrangebyscore', -4, 'readonly', '2.2.0', 'array', 'Return a range of members in a sorted set, by score, with scores ordered from high to low'),
  reader('zrangebylex', -4, 'readonly', '2.8.9', 'array', 'Return a range of members in a sorted set, by lexicographical range'),
  reader('zrevrangebylex', -4, 'readonly', '2.8.9', 'array', 'Return a range of members in a sorted set, by lexicographical range, ordered from higher to lower strings.'),
  reader('zrevrange', -4, 'readonly', '1.2.0', 'array', 'Return a range of members in a sorted set, by index, with scores ordered from high to low'),
  z('zrangestore', -5, 'write denyoom', '6.2.0', 'integer', 'Store a range of members from sorted set into another key', { keys: [key('OW update'), key('RO access', 2)] }),
  z('zremrangebyscore', 4, 'write', '1.2.0', 'integer', 'Remove all members in a sorted set within the given scores', one('RW delete')),
  z('zremrangebyrank', 4, 'write', '2.0.0', 'integer', 'Remove all members in a sorted set within the given indexes', one('RW delete')),
  z('zremrangebylex', 4, 'write', '2.8.9', 'integer', 'Remove all members in a sorted set between the given lexicographical range', one('RW delete')),
  z('zpopmin', -2, 'write fast', '5.0.0', 'array', 'Remove and return members with the lowest scores in a sorted set', one('RW access delete')),
  z('zpopmax', -2, 'write fast', '5.0.0', 'array', 'Remove and return members with the highest scores in a sorted set', one('RW access delete')),
  z('bzpopmin', -3, 'write noscript blocking fast', '5.0.0', 'array', 'Remove and return the member with the lowest score from one or more sorted sets, or block until one is available', {
    keys: [key('RW access delete', 1, -2)],
    acl: ['@blocking'],
  }),
  z('bzpopmax', -3, 'write noscript blocking fast', '5.0.0', 'array', 'Remove and return the member with the highest score from one or more sorted sets, or block until one is available', {
    keys: [key('RW access delete', 1, -2)],
    acl: ['@blocking'],
  }),
  z('zmpop', -4, 'write movablekeys', '7.0.0', 'array', 'Remove and return members with scores in a sorted set', { keys: [keynum('RW access delete', 1)] }),
  z('bzmpop', -5, 'write blocking movablekeys', '7.0.0', 'array', 'Remove and return members with scores in a sorted set or block until one is available', {
    keys: [keynum('RW access delete', 2)],
    acl: ['@blocking'],
  }),
  reader('zrandmember', -2, 'readonly', '6.2.0', 'any', 'Get one or multiple random elements from a sorted set'),
  reader('zscan', -3, 'readonly', '2.8.0', 'array', 'Incrementally iterate sorted sets elements and associated scores'),
  store('zunionstore', '2.0.0', 'Add multiple sorted sets and store the resulting sorted set in a new key'),
  store('zinterstore', '2.0.0', 'Intersect multiple sorted sets and store the resulting sorted set in a new key'),
  store('zdiffstore', '6.2.0', 'Subtract multiple sorted sets and store the resulting sorted set in a new key'),
  combine('zunion', '6.2.0', 'array', 'Add multiple sorted sets'),
  combine('zinter', '6.2.0', 'array', 'Intersect multiple sorted sets'),
  combine('zdiff', '6.2.0', 'array', 'Subtract multiple sorted sets'),
  combine('zintercard', '7.0.0', 'integer', 'Intersect multiple sorted sets and return the cardinality of the result'),
];
