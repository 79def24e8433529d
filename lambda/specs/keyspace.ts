/**
 * Keys, expiry and the server's keyspace commands (Redis's @keyspace group),
 * as COMMAND INFO prints them in redis-server 7.0.15 (WAITAOF: Redis 7.2).
 */
import { key, spec, type Extra } from './build';
import type { CommandGroup, CommandSpec, ReplyShape } from './types';

/** An OBJECT subcommand: its key is the word after the subcommand's name. */
const object = (name: string, arity: number, flags: string, since: string, reply: ReplyShape, summary: string, extra: Extra = {}) =>
  spec(`object|${name}`, arity, flags, 'generic', since, reply, summary, extra);

/** One key at argv[1], no other keys. */
const one = (flags: string): Extra => ({ keys: [key(flags)] });

/** The four EXPIRE commands share everything but name, group's since and summary. */
const expire = (name: string, since: string, summary: string) => spec(name, -3, 'write fast', 'generic', since, 'integer', summary, one('RW update'));
const ttl = (name: string, since: string, summary: string) => spec(name, 2, 'readonly fast', 'generic', since, 'integer', summary, one('RO access'));
const server = (name: string, arity: number, flags: string, group: CommandGroup, since: string, reply: ReplyShape, summary: string, acl: string[]) =>
  spec(name, arity, flags, group, since, reply, summary, { acl });

export const KEYSPACE_SPECS: readonly CommandSpec[] = [
  spec('del', -2, 'write', 'generic', '1.0.0', 'integer', 'Deletes one or more keys.', { keys: [key('RM delete', 1, -1)] }),
  spec('unlink', -2, 'write fast', 'generic', '4.0.0', 'integer', 'Asynchronously deletes one or more keys.', { keys: [key('RM delete', 1, -1)] }),
  spec('exists', -2, 'readonly fast', 'generic', '1.0.0', 'integer', 'Determines whether one or more keys exist.', { keys: [key('RO', 1, -1)] }),
  spec('touch', -2, 'readonly fast', 'generic', '3.2.1', 'integer', 'Returns the number of existing keys out of those specified after updating the time they were last accessed.', {
    keys: [key('RO', 1, -1)],
  }),
  spec('type', 2, 'readonly fast', 'generic', '1.0.0', 'status', 'Determines the type of value stored at a key.', one('RO')),

  expire('expire', '1.0.0', 'Sets the expiration time of a key in seconds.'),
  expire('pexpire', '2.6.0', 'Sets the expiration time of a key in milliseconds.'),
  expire('expireat', '1.2.0', 'Sets the expiration time of a key to a Unix timestamp.'),
  expire('pexpireat', '2.6.0', 'Sets the expiration time of a key to a Unix milliseconds timestamp.'),
  ttl('ttl', '1.0.0', 'Returns the expiration time in seconds of a key.'),
  ttl('pttl', '2.6.0', 'Returns the expiration time in milliseconds of a key.'),
  ttl('expiretime', '7.0.0', 'Returns the expiration time of a key as a Unix timestamp.'),
  ttl('pexpiretime', '7.0.0', 'Returns the expiration time of a key as a Unix milliseconds timestamp.'),
  spec('persist', 2, 'write fast', 'generic', '2.2.0', 'integer', 'Removes the expiration time of a key.', one('RW update')),

  spec('rename', 3, 'write', 'generic', '1.0.0', 'status', 'Renames a key and overwrites the destination.', { keys: [key('RW access delete'), key('OW update', 2)] }),
  spec('renamenx', 3, 'write fast', 'generic', '1.0.0', 'integer', "Renames a key only when the target key name doesn't exist.", {
    keys: [key('RW access delete'), key('OW insert', 2)],
  }),
  spec('copy', -3, 'write denyoom', 'generic', '6.2.0', 'integer', 'Copies the value of a key to a new key.', { keys: [key('RO access'), key('OW update', 2)] }),
  spec('move', 3, 'write fast', 'generic', '1.0.0', 'integer', 'Moves a key to another database.', one('RW access update')),

  spec('keys', 2, 'readonly', 'generic', '1.0.0', 'array', 'Returns all key names that match a pattern.', { acl: ['@dangerous'] }),
  spec('scan', -2, 'readonly', 'generic', '2.8.0', 'array', 'Iterates over the key names in the database.'),
  spec('randomkey', 1, 'readonly', 'generic', '1.0.0', 'bulk', 'Returns a random key name from the database.'),
  server('dbsize', 1, 'readonly fast', 'server', '1.0.0', 'integer', 'Returns the number of keys in the database.', ['@keyspace']),
  server('flushall', -1, 'write', 'server', '1.0.0', 'status', 'Removes all keys from all databases.', ['@keyspace', '@dangerous']),
  server('flushdb', -1, 'write', 'server', '1.0.0', 'status', 'Remove all keys from the current database.', ['@keyspace', '@dangerous']),
  server('swapdb', 3, 'write fast', 'server', '4.0.0', 'status', 'Swaps two Redis databases.', ['@keyspace', '@dangerous']),

  spec('object', -2, '', 'generic', '2.2.3', 'any', 'A container for object introspection commands.', {
    subcommands: [
      object('encoding', 3, 'readonly', '2.2.3', 'bulk', 'Returns the internal encoding of a Redis object.', { keys: [key('RO', 2)] }),
      object('freq', 3, 'readonly', '4.0.0', 'integer', 'Returns the logarithmic access frequency counter of a Redis object.', { keys: [key('RO', 2)] }),
      object('help', 2, 'loading stale', '6.2.0', 'array', 'Returns helpful text about the different subcommands.'),
      object('idletime', 3, 'readonly', '2.2.3', 'integer', 'Returns the time since the last access to a Redis object.', { keys: [key('RO', 2)] }),
      object('refcount', 3, 'readonly', '2.2.3', 'integer', 'Returns the reference count of a value of a key.', { keys: [key('RO', 2)] }),
    ],
  }),

  spec('time', 1, 'loading stale fast', 'server', '2.6.0', 'array', 'Returns the server time.'),
  // Group generic, but Redis files both under @connection only (no @keyspace).
  spec('wait', 3, 'noscript', 'generic', '3.0.0', 'integer', 'Blocks until the asynchronous replication of all preceding write commands sent by the connection is completed.', {
    acl: ['@connection'],
    groupAcl: false,
  }),
  spec('waitaof', 4, 'noscript', 'generic', '7.2.0', 'array', 'Blocks until all of the preceding write commands sent by the connection are written to the append-only file of the master and/or replicas.', {
    acl: ['@connection'],
    groupAcl: false,
  }),
];
