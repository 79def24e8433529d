/** Stream commands (no consumer groups yet). */
import type { Command } from '../types';
import { xlen, xrange, xrevrange } from './range';
import { xadd } from './xadd';
import { xdel, xtrim } from './xdel';
import { xread } from './xread';

export const STREAM_COMMANDS: readonly Command[] = [xadd, xlen, xrange, xrevrange, xdel, xtrim, xread];
