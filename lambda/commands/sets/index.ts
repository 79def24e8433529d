/** Sets (Redis's @set group). */
import type { Command } from '../types';
import { sdiff, sdiffstore, sinter, sintercard, sinterstore, sunion, sunionstore } from './algebra';
import { sadd, scard, sismember, smembers, smismember, smove, srem } from './members';
import { spop, srandmember } from './random';
import { sscan } from './scan';

export const SET_COMMANDS: readonly Command[] = [
  sadd, srem, smembers, sismember, smismember, scard, smove,
  spop, srandmember,
  sinter, sunion, sdiff, sinterstore, sunionstore, sdiffstore, sintercard,
  sscan,
];
