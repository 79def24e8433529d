/** Strings and counters (Redis's @string group). */
import { key, spec } from './build';
import type { CommandSpec } from './types';

export const STRING_SPECS: readonly CommandSpec[] = [
  spec('get', 2, 'readonly fast', 'string', '1.0.0', 'bulk', 'Returns the string value of a key.', { keys: [key('RO access')] }),
  spec('set', -3, 'write denyoom', 'string', '1.0.0', 'status', 'Sets the string value of a key, ignoring its type.', {
    keys: [key('RW access update variable_flags')],
  }),
  spec('incr', 2, 'write denyoom fast', 'string', '1.0.0', 'integer', 'Increments the integer value of a key by one. Uses 0 as initial value if the key does not exist.', {
    keys: [key('RW access update')],
  }),
];
