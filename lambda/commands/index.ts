import { ENGINE_SPECS } from '../specs';
import type { Command } from './types';
import { HASH_COMMANDS } from './hashes';
import { KEYSPACE_COMMANDS } from './keyspace';
import { LIST_COMMANDS } from './lists';
import { SCRIPTING_COMMANDS } from './scripting';
import { SET_COMMANDS } from './sets';
import { STRING_COMMANDS } from './strings';
import { STREAM_COMMANDS } from './streams';
import { TRANSACTION_COMMANDS } from './transactions';
import { ZSET_COMMANDS } from './zsets';

export type { Command } from './types';

/** Every command the engine executes. A new command is a spec, one module, and one word in its family's index. */
export const COMMANDS: ReadonlyMap<string, Command> = new Map([...STRING_COMMANDS, ...HASH_COMMANDS, ...SET_COMMANDS, ...KEYSPACE_COMMANDS, ...TRANSACTION_COMMANDS, ...SCRIPTING_COMMANDS, ...LIST_COMMANDS, ...ZSET_COMMANDS, ...STREAM_COMMANDS].map((c) => [c.spec.name, c]));

// The spec table and the code must agree: an engine spec without code would
// be sent to the engine and fail there, code without a spec never be reached.
for (const s of ENGINE_SPECS) if (!COMMANDS.has(s.name)) throw new Error(`engine command '${s.name}' has a spec but no module`);
