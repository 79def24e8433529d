/**
 * Every command valthree knows, as Redis 7 describes it. A new command is a
 * spec in its family's table plus, for engine commands, one module in
 * lambda/commands/.
 */
import { ADMIN, HANDSHAKE, spec, sub } from './build';
import { HASH_SPECS } from './hashes';
import { KEYSPACE_SPECS } from './keyspace';
import { LIST_SPECS } from './lists';
import { SCRIPT_PROXY_SPECS, SCRIPTING_SPECS } from './scripting';
import { SET_SPECS } from './sets';
import { STRING_SPECS } from './strings';
import { STREAM_SPECS } from './streams';
import { TRANSACTION_PROXY_SPECS, WATCH_SPECS } from './transactions';
import type { CommandSpec, ReplyShape } from './types';
import { ZSET_SPECS } from './zsets';

/** Commands the engine runs against the document. */
export const ENGINE_SPECS: readonly CommandSpec[] = [...STRING_SPECS, ...HASH_SPECS, ...SET_SPECS, ...KEYSPACE_SPECS, ...WATCH_SPECS, ...SCRIPTING_SPECS, ...LIST_SPECS, ...ZSET_SPECS, ...STREAM_SPECS];

const client = (name: string, arity: number, flags: string, reply: ReplyShape, summary: string) => sub('client', 'connection', name, arity, flags, reply, summary);
const config = (name: string, arity: number, reply: ReplyShape, summary: string) => sub('config', 'server', name, arity, ADMIN, reply, summary);
const command = (name: string, arity: number, reply: ReplyShape, summary: string) => sub('command', 'connection', name, arity, 'loading stale', reply, summary);

/** Commands the proxy answers itself: the connection's own state, and introspection. */
export const PROXY_SPECS: readonly CommandSpec[] = [
  spec('auth', -2, HANDSHAKE, 'connection', '1.0.0', 'status', 'Authenticates the connection.'),
  spec('hello', -1, HANDSHAKE, 'connection', '6.0.0', 'map', 'Handshakes with the Redis server.'),
  spec('quit', -1, HANDSHAKE, 'connection', '1.0.0', 'status', 'Closes the connection.'),
  spec('reset', 1, HANDSHAKE, 'connection', '6.2.0', 'status', 'Resets the connection.'),
  spec('ping', -1, 'fast', 'connection', '1.0.0', 'any', 'Returns the server\'s liveliness response.'),
  spec('echo', 2, 'loading stale fast', 'connection', '1.0.0', 'bulk', 'Returns the given string.'),
  spec('select', 2, 'loading stale fast', 'connection', '1.0.0', 'status', 'Changes the selected database.'),
  spec('client', -2, '', 'connection', '2.4.0', 'any', 'A container for client connection commands.', {
    subcommands: [
      client('id', 2, 'noscript loading stale', 'integer', 'Returns the unique client ID of the connection.'),
      client('getname', 2, 'noscript loading stale', 'bulk', 'Returns the name of the connection.'),
      client('setname', 3, 'noscript loading stale', 'status', 'Sets the connection name.'),
      client('setinfo', 4, 'noscript loading stale', 'status', 'Sets information specific to the client or connection.'),
      client('info', 2, 'noscript loading stale', 'bulk', 'Returns information about the connection.'),
      client('list', -2, ADMIN, 'bulk', 'Lists open connections.'),
    ],
  }),
  spec('info', -1, 'loading stale', 'server', '1.0.0', 'bulk', 'Returns information and statistics about the server.', { acl: ['@dangerous'] }),
  spec('config', -2, '', 'server', '2.0.0', 'any', 'A container for server configuration commands.', {
    subcommands: [
      config('get', -3, 'map', 'Returns the effective values of configuration parameters.'),
      config('set', -4, 'status', 'Sets configuration parameters in-flight.'),
      config('resetstat', 2, 'status', 'Resets the server\'s statistics.'),
    ],
  }),
  spec('command', -1, 'loading stale', 'connection', '2.8.13', 'any', 'Returns detailed information about all commands.', {
    subcommands: [
      command('count', 2, 'integer', 'Returns a count of commands.'),
      command('info', -2, 'array', 'Returns information about one, multiple or all commands.'),
      command('docs', -2, 'map', 'Returns documentary information about one, multiple or all commands.'),
      command('list', -2, 'array', 'Returns a list of command names.'),
      command('getkeys', -4, 'array', 'Extracts the key names from an arbitrary command.'),
    ],
  }),
  ...TRANSACTION_PROXY_SPECS,
  ...SCRIPT_PROXY_SPECS,
];
