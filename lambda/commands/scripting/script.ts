/**
 * SCRIPT LOAD compiles a script and answers its SHA1 (or the compile error),
 * as Redis does. The script cache itself is the proxy's (per proxy, as
 * Redis's is per server): EXISTS, FLUSH and KILL are answered there and only
 * reach the engine if a proxy forgets to, which is an error.
 */
import { CommandError, unknownSubcommand } from '../../errors';
import { loadScript } from '../../scripting';
import { bulk, specOf, type Command } from '../types';

export const script: Command = {
  spec: specOf('script'),
  run(args) {
    const word = args.next();
    const sub = word.toString('latin1').toLowerCase();
    if (sub === 'load') {
      const loaded = loadScript(args.next());
      if ('error' in loaded) throw new CommandError(loaded.error);
      return bulk(Buffer.from(loaded.sha));
    }
    if (sub === 'exists' || sub === 'flush' || sub === 'kill') throw new CommandError(`ERR SCRIPT ${sub.toUpperCase()} is answered by the proxy, which keeps the script cache`);
    throw new CommandError(unknownSubcommand(word, 'script'));
  },
};
