/** String and counter commands. */
import type { Command } from '../types';
import { get } from './get';
import { incr } from './incr';
import { set } from './set';

export const STRING_COMMANDS: readonly Command[] = [get, set, incr];
