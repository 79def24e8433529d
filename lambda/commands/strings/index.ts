/** String and counter commands. */
import type { Command } from '../types';
import { decr, decrby, incrby } from './counters';
import { get } from './get';
import { getdel, getex, getset } from './getters';
import { incr } from './incr';
import { incrbyfloat } from './incrbyfloat';
import { lcs } from './lcs';
import { mget, mset, msetnx } from './multi';
import { append, getrange, setrange, strlen, substr } from './ranges';
import { psetex, set, setex, setnx } from './set';

export const STRING_COMMANDS: readonly Command[] = [
  ...[get, set, setnx, setex, psetex, getset, getdel, getex, mget, mset, msetnx],
  ...[append, strlen, getrange, substr, setrange, lcs],
  ...[incr, incrby, decr, decrby, incrbyfloat],
];
