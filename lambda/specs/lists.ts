/**
 * Lists (Redis's @list group), as redis-server 7.0.15's COMMAND INFO and
 * COMMAND DOCS print them. The blocking commands carry @blocking, which
 * Redis derives from the `blocking` flag; here it is named (acl), so the
 * shared derivation stays as it is.
 */
import { key, spec } from './build';
import type { CommandSpec, KeySpec } from './types';

const L = 'list';
const BLOCKING = { acl: ['@blocking'] };
/** LMPOP / BLMPOP: numkeys at `index`, the keys right after it. */
const numkeys = (index: number): KeySpec => ({ flags: ['RW', 'access', 'delete'], begin: { index }, find: { keyNumIdx: 0, firstKey: 1, step: 1 } });
/** The pop side and the push side of LMOVE and its kin. */
const moveKeys = { keys: [key('RW access delete'), key('RW insert', 2)] };

export const LIST_SPECS: readonly CommandSpec[] = [
  spec('lpush', -3, 'write denyoom fast', L, '1.0.0', 'integer', 'Prepend one or multiple elements to a list', { keys: [key('RW insert')] }),
  spec('rpush', -3, 'write denyoom fast', L, '1.0.0', 'integer', 'Append one or multiple elements to a list', { keys: [key('RW insert')] }),
  spec('lpushx', -3, 'write denyoom fast', L, '2.2.0', 'integer', 'Prepend an element to a list, only if the list exists', { keys: [key('RW insert')] }),
  spec('rpushx', -3, 'write denyoom fast', L, '2.2.0', 'integer', 'Append an element to a list, only if the list exists', { keys: [key('RW insert')] }),
  // 'any': a bulk, an array (with a count), or nil / a null array.
  spec('lpop', -2, 'write fast', L, '1.0.0', 'any', 'Remove and get the first elements in a list', { keys: [key('RW access delete')] }),
  spec('rpop', -2, 'write fast', L, '1.0.0', 'any', 'Remove and get the last elements in a list', { keys: [key('RW access delete')] }),
  spec('llen', 2, 'readonly fast', L, '1.0.0', 'integer', 'Get the length of a list', { keys: [key('RO')] }),
  spec('lrange', 4, 'readonly', L, '1.0.0', 'array', 'Get a range of elements from a list', { keys: [key('RO access')] }),
  spec('lindex', 3, 'readonly', L, '1.0.0', 'bulk', 'Get an element from a list by its index', { keys: [key('RO access')] }),
  spec('lset', 4, 'write denyoom', L, '1.0.0', 'status', 'Set the value of an element in a list by its index', { keys: [key('RW update')] }),
  spec('linsert', 5, 'write denyoom', L, '2.2.0', 'integer', 'Insert an element before or after another element in a list', { keys: [key('RW insert')] }),
  spec('lrem', 4, 'write', L, '1.0.0', 'integer', 'Remove elements from a list', { keys: [key('RW delete')] }),
  spec('ltrim', 4, 'write', L, '1.0.0', 'status', 'Trim a list to the specified range', { keys: [key('RW delete')] }),
  // 'any': an index, nil, or (with COUNT) an array of indexes.
  spec('lpos', -3, 'readonly', L, '6.0.6', 'any', 'Return the index of matching elements on a list', { keys: [key('RO access')] }),
  spec('lmove', 5, 'write denyoom', L, '6.2.0', 'bulk', 'Pop an element from a list, push it to another list and return it', moveKeys),
  spec('rpoplpush', 3, 'write denyoom', L, '1.2.0', 'bulk', 'Remove the last element in a list, prepend it to another list and return it', moveKeys),
  spec('lmpop', -4, 'write movablekeys', L, '7.0.0', 'any', 'Pop elements from a list', { keys: [numkeys(1)] }),
  spec('blpop', -3, 'write noscript blocking', L, '2.0.0', 'any', 'Remove and get the first element in a list, or block until one is available', { keys: [key('RW access delete', 1, -2)], ...BLOCKING }),
  spec('brpop', -3, 'write noscript blocking', L, '2.0.0', 'any', 'Remove and get the last element in a list, or block until one is available', { keys: [key('RW access delete', 1, -2)], ...BLOCKING }),
  spec('blmove', 6, 'write denyoom noscript blocking', L, '6.2.0', 'bulk', 'Pop an element from a list, push it to another list and return it; or block until one is available', { ...moveKeys, ...BLOCKING }),
  spec('brpoplpush', 4, 'write denyoom noscript blocking', L, '2.2.0', 'bulk', 'Pop an element from a list, push it to another list and return it; or block until one is available', { ...moveKeys, ...BLOCKING }),
  spec('blmpop', -5, 'write blocking movablekeys', L, '7.0.0', 'any', 'Pop elements from a list, or block until one is available', { keys: [numkeys(2)], ...BLOCKING }),
];
