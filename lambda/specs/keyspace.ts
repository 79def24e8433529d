/** Keys, expiry and the server's keyspace commands (Redis's @keyspace group). */
import { key, spec } from './build';
import type { CommandSpec } from './types';

export const KEYSPACE_SPECS: readonly CommandSpec[] = [
  spec('del', -2, 'write', 'generic', '1.0.0', 'integer', 'Deletes one or more keys.', { keys: [key('RM delete', 1, -1)] }),
  spec('flushall', -1, 'write', 'server', '1.0.0', 'status', 'Removes all keys from all databases.', { acl: ['@keyspace', '@dangerous'] }),
];
