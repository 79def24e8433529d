/** Keyspace, expiry and server commands. */
import type { Command } from '../types';
import { dbsize, flushdb, swapdb } from './databases';
import { del, unlink } from './del';
import { exists, touch, type } from './exists';
import { expire, expireat, persist, pexpire, pexpireat } from './expire';
import { flushall } from './flushall';
import { keys, randomkey } from './keys';
import { object } from './object';
import { copy, move, renameCommand, renamenx } from './rename';
import { scan } from './scan';
import { time, wait, waitaof } from './server';
import { expiretime, pexpiretime, pttl, ttl } from './ttl';

export const KEYSPACE_COMMANDS: readonly Command[] = [
  del, unlink, exists, touch, type,
  expire, pexpire, expireat, pexpireat, persist, ttl, pttl, expiretime, pexpiretime,
  renameCommand, renamenx, copy, move,
  keys, scan, randomkey, dbsize, flushall, flushdb, swapdb,
  object, time, wait, waitaof,
];
