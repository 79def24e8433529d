/** List commands, blocking pops included. */
import type { Command } from '../types';
import { blmove, blmpop, blpop, brpop, brpoplpush } from './blocking';
import { linsert, lrem, lset, ltrim } from './edit';
import { lpos } from './lpos';
import { lmove, rpoplpush } from './move';
import { lmpop } from './mpop';
import { lpop, rpop } from './pop';
import { lpush, lpushx, rpush, rpushx } from './push';
import { lindex, llen, lrange } from './read';

export const LIST_COMMANDS: readonly Command[] = [
  ...[lpush, rpush, lpushx, rpushx, lpop, rpop, llen, lrange, lindex, lset, linsert, lrem, ltrim, lpos, lmove, rpoplpush, lmpop],
  ...[blpop, brpop, blmove, brpoplpush, blmpop],
];
