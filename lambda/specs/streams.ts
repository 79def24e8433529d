/**
 * Streams (Redis's @stream group), as redis-server 7.0.15's COMMAND INFO
 * and COMMAND DOCS print them. XREAD's keys start after its STREAMS keyword
 * and are the first half of what follows (limit 2: keys, then as many ids).
 */
import { key, spec } from './build';
import type { CommandSpec, KeySpec } from './types';

const G = 'stream';

const XREAD_KEYS: KeySpec = { flags: ['RO', 'access'], begin: { keyword: 'STREAMS', startFrom: 1 }, find: { lastKey: -1, step: 1, limit: 2 } };

export const STREAM_SPECS: readonly CommandSpec[] = [
  // 'any': the new id, or nil (NOMKSTREAM on a missing key).
  spec('xadd', -5, 'write denyoom fast', G, '5.0.0', 'any', 'Appends a new entry to a stream', { keys: [key('RW update')] }),
  spec('xlen', 2, 'readonly fast', G, '5.0.0', 'integer', 'Return the number of entries in a stream', { keys: [key('RO')] }),
  spec('xrange', -4, 'readonly', G, '5.0.0', 'array', 'Return a range of elements in a stream, with IDs matching the specified IDs interval', { keys: [key('RO access')] }),
  spec(
    'xrevrange',
    -4,
    'readonly',
    G,
    '5.0.0',
    'array',
    'Return a range of elements in a stream, with IDs matching the specified IDs interval, in reverse order (from greater to smaller IDs) compared to XRANGE',
    { keys: [key('RO access')] },
  ),
  spec(
    'xdel',
    -3,
    'write fast',
    G,
    '5.0.0',
    'integer',
    'Removes the specified entries from the stream. Returns the number of items actually deleted, that may be different from the number of IDs passed in case certain IDs do not exist.',
    { keys: [key('RW delete')] },
  ),
  spec('xtrim', -4, 'write', G, '5.0.0', 'integer', "Trims the stream to (approximately if '~' is passed) a certain size", { keys: [key('RW delete')] }),
  // 'any': a map of streams (nested pairs on RESP2) or a null array.
  spec('xread', -4, 'readonly blocking movablekeys', G, '5.0.0', 'any', 'Return never seen elements in multiple streams, with IDs greater than the ones reported by the caller for each stream. Can block.', {
    keys: [XREAD_KEYS],
    acl: ['@blocking'],
  }),
];
