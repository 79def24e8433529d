/**
 * Strings and counters (Redis's @string group), as redis-server 7.0.15's
 * COMMAND INFO prints them. Key-spec flags say what each command does to its
 * key (OW: overwrites without reading, RW: reads and writes, insert: only adds
 * data), which clients and ACLs rely on.
 */
import { key, spec } from './build';
import type { CommandSpec } from './types';

const S = 'string';

export const STRING_SPECS: readonly CommandSpec[] = [
  spec('get', 2, 'readonly fast', S, '1.0.0', 'bulk', 'Returns the string value of a key.', { keys: [key('RO access')] }),
  // 'any': OK, nil (NX/XX not met) or, with GET, the old value.
  spec('set', -3, 'write denyoom', S, '1.0.0', 'any', 'Sets the string value of a key, ignoring its type. The key is created if it doesn\'t exist.', {
    keys: [key('RW access update variable_flags')],
  }),
  spec('setnx', 3, 'write denyoom fast', S, '1.0.0', 'integer', 'Set the string value of a key only when the key doesn\'t exist.', { keys: [key('OW insert')] }),
  spec('setex', 4, 'write denyoom', S, '2.0.0', 'status', 'Sets the string value and expiration time of a key. Creates the key if it doesn\'t exist.', { keys: [key('OW update')] }),
  spec('psetex', 4, 'write denyoom', S, '2.6.0', 'status', 'Sets both string value and expiration time in milliseconds of a key. The key is created if it doesn\'t exist.', {
    keys: [key('OW update')],
  }),
  spec('getset', 3, 'write denyoom fast', S, '1.0.0', 'bulk', 'Returns the previous string value of a key after setting it to a new value.', { keys: [key('RW access update')] }),
  spec('getdel', 2, 'write fast', S, '6.2.0', 'bulk', 'Returns the string value of a key after deleting the key.', { keys: [key('RW access delete')] }),
  spec('getex', -2, 'write fast', S, '6.2.0', 'bulk', 'Returns the string value of a key after setting its expiration time.', { keys: [key('RW access update')] }),
  spec('mget', -2, 'readonly fast', S, '1.0.0', 'array', 'Atomically returns the string values of one or more keys.', { keys: [key('RO access', 1, -1)] }),
  spec('mset', -3, 'write denyoom', S, '1.0.1', 'status', 'Atomically creates or modifies the string values of one or more keys.', { keys: [key('OW update', 1, -1, 2)] }),
  spec('msetnx', -3, 'write denyoom', S, '1.0.1', 'integer', 'Atomically modifies the string values of one or more keys only when all keys don\'t exist.', {
    keys: [key('OW insert', 1, -1, 2)],
  }),
  spec('append', 3, 'write denyoom fast', S, '2.0.0', 'integer', 'Appends a string to the value of a key. Creates the key if it doesn\'t exist.', { keys: [key('RW insert')] }),
  spec('strlen', 2, 'readonly fast', S, '2.2.0', 'integer', 'Returns the length of a string value.', { keys: [key('RO')] }),
  spec('getrange', 4, 'readonly', S, '2.4.0', 'bulk', 'Returns a substring of the string stored at a key.', { keys: [key('RO access')] }),
  spec('substr', 4, 'readonly', S, '1.0.0', 'bulk', 'Returns a substring from a string value.', { keys: [key('RO access')] }),
  spec('setrange', 4, 'write denyoom', S, '2.2.0', 'integer', 'Overwrites a part of a string value with another by an offset. Creates the key if it doesn\'t exist.', {
    keys: [key('RW update')],
  }),
  // 'any': the subsequence (bulk), its length (LEN) or the matches (IDX, a map).
  spec('lcs', -3, 'readonly', S, '7.0.0', 'any', 'Finds the longest common substring.', { keys: [key('RO access', 1, 1)] }),
  spec('incr', 2, 'write denyoom fast', S, '1.0.0', 'integer', 'Increments the integer value of a key by one. Uses 0 as initial value if the key does not exist.', {
    keys: [key('RW access update')],
  }),
  spec('incrby', 3, 'write denyoom fast', S, '1.0.0', 'integer', 'Increments the integer value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', {
    keys: [key('RW access update')],
  }),
  spec('decr', 2, 'write denyoom fast', S, '1.0.0', 'integer', 'Decrements the integer value of a key by one. Uses 0 as initial value if the key doesn\'t exist.', {
    keys: [key('RW access update')],
  }),
  spec('decrby', 3, 'write denyoom fast', S, '1.0.0', 'integer', 'Decrements a number from the integer value of a key. Uses 0 as initial value if the key doesn\'t exist.', {
    keys: [key('RW access update')],
  }),
  // Redis replies with the new value's text as a bulk string, on RESP3 too.
  spec('incrbyfloat', 3, 'write denyoom fast', S, '2.6.0', 'bulk', 'Increment the floating point value of a key by a number. Uses 0 as initial value if the key doesn\'t exist.', {
    keys: [key('RW access update')],
  }),
];
