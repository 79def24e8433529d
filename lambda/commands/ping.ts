import { bulk, type Command } from './types';

/** PING [message]. The proxy answers PING itself; this keeps the engine complete. */
export const ping: Command = {
  name: 'ping',
  arity: -1,
  write: false,
  keys: [0, 0, 0],
  run(args) {
    if (args.length > 1) return { t: 'error', v: "ERR wrong number of arguments for 'ping' command" };
    return args.length === 1 ? bulk(args[0]) : { t: 'simple', v: 'PONG' };
  },
};
