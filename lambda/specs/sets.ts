/**
 * Sets (Redis's @set group), as redis-server 7.0.15's COMMAND INFO and
 * COMMAND DOCS print them.
 */
import { key, spec } from './build';
import type { CommandSpec, KeySpec } from './types';

const G = 'set';

/** SINTERCARD numkeys key [key ...]: the keys are a count argument at index 1. */
const numkeys: KeySpec = { flags: ['RO', 'access'], begin: { index: 1 }, find: { keyNumIdx: 0, firstKey: 1, step: 1 } };

export const SET_SPECS: readonly CommandSpec[] = [
  spec('sadd', -3, 'write denyoom fast', G, '1.0.0', 'integer', 'Add one or more members to a set', { keys: [key('RW insert')] }),
  spec('srem', -3, 'write fast', G, '1.0.0', 'integer', 'Remove one or more members from a set', { keys: [key('RW delete')] }),
  // 'array': a set on RESP3.
  spec('smembers', 2, 'readonly', G, '1.0.0', 'array', 'Get all the members in a set', { keys: [key('RO access')] }),
  spec('sismember', 3, 'readonly fast', G, '1.0.0', 'integer', 'Determine if a given value is a member of a set', { keys: [key('RO')] }),
  spec('smismember', -3, 'readonly fast', G, '6.2.0', 'array', 'Returns the membership associated with the given elements for a set', { keys: [key('RO access')] }),
  spec('scard', 2, 'readonly fast', G, '1.0.0', 'integer', 'Get the number of members in a set', { keys: [key('RO')] }),
  // 'any': a member (bulk), nil, or with a count a set of them.
  spec('spop', -2, 'write fast', G, '1.0.0', 'any', 'Remove and return one or multiple random members from a set', { keys: [key('RW access delete')] }),
  spec('srandmember', -2, 'readonly', G, '1.0.0', 'any', 'Get one or multiple random members from a set', { keys: [key('RO access')] }),
  spec('smove', 4, 'write fast', G, '1.0.0', 'integer', 'Move a member from one set to another', { keys: [key('RW access delete'), key('RW insert', 2)] }),
  spec('sinter', -2, 'readonly', G, '1.0.0', 'array', 'Intersect multiple sets', { keys: [key('RO access', 1, -1)] }),
  spec('sunion', -2, 'readonly', G, '1.0.0', 'array', 'Add multiple sets', { keys: [key('RO access', 1, -1)] }),
  spec('sdiff', -2, 'readonly', G, '1.0.0', 'array', 'Subtract multiple sets', { keys: [key('RO access', 1, -1)] }),
  spec('sinterstore', -3, 'write denyoom', G, '1.0.0', 'integer', 'Intersect multiple sets and store the resulting set in a key', { keys: [key('RW update'), key('RO access', 2, -1)] }),
  spec('sunionstore', -3, 'write denyoom', G, '1.0.0', 'integer', 'Add multiple sets and store the resulting set in a key', { keys: [key('OW update'), key('RO access', 2, -1)] }),
  spec('sdiffstore', -3, 'write denyoom', G, '1.0.0', 'integer', 'Subtract multiple sets and store the resulting set in a key', { keys: [key('OW update'), key('RO access', 2, -1)] }),
  spec('sintercard', -3, 'readonly movablekeys', G, '7.0.0', 'integer', 'Intersect multiple sets and return the cardinality of the result', { keys: [numkeys] }),
  spec('sscan', -3, 'readonly', G, '2.8.0', 'array', 'Incrementally iterate Set elements', { keys: [key('RO access')] }),
];
