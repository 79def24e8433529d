/**
 * Hashes (Redis's @hash group), as redis-server 7.0.15's COMMAND INFO and
 * COMMAND DOCS print them.
 */
import { key, spec } from './build';
import type { CommandSpec } from './types';

const G = 'hash';

export const HASH_SPECS: readonly CommandSpec[] = [
  spec('hset', -4, 'write denyoom fast', G, '2.0.0', 'integer', 'Set the string value of a hash field', { keys: [key('RW update')] }),
  spec('hsetnx', 4, 'write denyoom fast', G, '2.0.0', 'integer', 'Set the value of a hash field, only if the field does not exist', { keys: [key('RW insert')] }),
  spec('hget', 3, 'readonly fast', G, '2.0.0', 'bulk', 'Get the value of a hash field', { keys: [key('RO access')] }),
  spec('hmget', -3, 'readonly fast', G, '2.0.0', 'array', 'Get the values of all the given hash fields', { keys: [key('RO access')] }),
  spec('hmset', -4, 'write denyoom fast', G, '2.0.0', 'status', 'Set multiple hash fields to multiple values', { keys: [key('RW update')] }),
  spec('hgetall', 2, 'readonly', G, '2.0.0', 'map', 'Get all the fields and values in a hash', { keys: [key('RO access')] }),
  spec('hdel', -3, 'write fast', G, '2.0.0', 'integer', 'Delete one or more hash fields', { keys: [key('RW delete')] }),
  spec('hexists', 3, 'readonly fast', G, '2.0.0', 'integer', 'Determine if a hash field exists', { keys: [key('RO')] }),
  spec('hlen', 2, 'readonly fast', G, '2.0.0', 'integer', 'Get the number of fields in a hash', { keys: [key('RO')] }),
  spec('hkeys', 2, 'readonly', G, '2.0.0', 'array', 'Get all the fields in a hash', { keys: [key('RO access')] }),
  spec('hvals', 2, 'readonly', G, '2.0.0', 'array', 'Get all the values in a hash', { keys: [key('RO access')] }),
  spec('hstrlen', 3, 'readonly fast', G, '3.2.0', 'integer', 'Get the length of the value of a hash field', { keys: [key('RO')] }),
  spec('hincrby', 4, 'write denyoom fast', G, '2.0.0', 'integer', 'Increment the integer value of a hash field by the given number', { keys: [key('RW access update')] }),
  // A bulk string, on RESP3 too, as INCRBYFLOAT.
  spec('hincrbyfloat', 4, 'write denyoom fast', G, '2.6.0', 'bulk', 'Increment the float value of a hash field by the given amount', { keys: [key('RW access update')] }),
  // 'any': a field (bulk), nil, or an array (of pairs with WITHVALUES on RESP3).
  spec('hrandfield', -2, 'readonly', G, '6.2.0', 'any', 'Get one or multiple random fields from a hash', { keys: [key('RO access')] }),
  spec('hscan', -3, 'readonly', G, '2.8.0', 'array', 'Incrementally iterate hash fields and associated values', { keys: [key('RO access')] }),
];
