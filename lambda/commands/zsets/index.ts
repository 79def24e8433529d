/** Sorted-set commands. */
import type { Command } from '../types';
import { zaddCommand, zincrby } from './add';
import { zdiff, zdiffstore, zinter, zintercard, zinterstore, zunion, zunionstore } from './combine';
import { bzmpop, bzpopmax, bzpopmin, zmpop, zpopmax, zpopmin } from './pop';
import { zrandmember } from './random';
import { zrange, zrangebylex, zrangebyscore, zrangestore, zrevrange, zrevrangebylex, zrevrangebyscore } from './range';
import { zcard, zcount, zlexcount, zmscore, zrank, zrevrank, zscore } from './read';
import { zrem, zremrangebylex, zremrangebyrank, zremrangebyscore } from './remove';
import { zscan } from './scan';

export const ZSET_COMMANDS: readonly Command[] = [
  ...[zaddCommand, zincrby, zrem, zscore, zmscore, zcard, zcount, zlexcount, zrank, zrevrank],
  ...[zrange, zrevrange, zrangebyscore, zrevrangebyscore, zrangebylex, zrevrangebylex, zrangestore],
  ...[zremrangebyscore, zremrangebyrank, zremrangebylex],
  ...[zpopmin, zpopmax, bzpopmin, bzpopmax, zmpop, bzmpop, zrandmember, zscan],
  ...[zunionstore, zinterstore, zdiffstore, zunion, zinter, zdiff, zintercard],
];
