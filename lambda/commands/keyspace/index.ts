/** Keyspace, expiry and server commands. */
import type { Command } from '../types';
import { del } from './del';
import { flushall } from './flushall';

export const KEYSPACE_COMMANDS: readonly Command[] = [del, flushall];
