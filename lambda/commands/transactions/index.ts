/** Transactions: WATCH runs here; MULTI/EXEC/DISCARD/UNWATCH are the proxy's (EXEC reaches the engine as one command: lambda/engine.ts). */
import type { Command } from '../types';
import { watch } from './watch';

export const TRANSACTION_COMMANDS: readonly Command[] = [watch];
