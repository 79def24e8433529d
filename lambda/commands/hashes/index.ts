/** Hashes (Redis's @hash group). */
import type { Command } from '../types';
import { hincrby, hincrbyfloat } from './incr';
import { hrandfield } from './random';
import { hexists, hget, hgetall, hkeys, hlen, hmget, hstrlen, hvals } from './read';
import { hscan } from './scan';
import { hdel, hmset, hset, hsetnx } from './write';

export const HASH_COMMANDS: readonly Command[] = [
  hset, hsetnx, hmset, hdel,
  hget, hmget, hexists, hlen, hstrlen, hgetall, hkeys, hvals,
  hincrby, hincrbyfloat, hrandfield, hscan,
];
