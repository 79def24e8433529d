/**
 * SCRIPT EXISTS, FLUSH, KILL and HELP, answered from this proxy's script
 * cache (proxy/scripts.ts). SCRIPT LOAD goes to the engine, which compiles
 * the script; the session caches it when the engine accepts it.
 */
import { unknownSubcommand } from '../../lambda/errors';
import { array, error, int, OK, type Reply } from '../resp/reply';
import { specOf, type LocalCommand } from './types';

const HELP = [
  'SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'EXISTS <sha1> [<sha1> ...]',
  '    Return information about the existence of the scripts in the script cache.',
  'FLUSH [ASYNC|SYNC]',
  '    Flush the Lua scripts cache. Very dangerous on replicas.',
  '    When called without the optional mode argument, the behavior is determined by the',
  '    lazyfree-lazy-user-flush configuration directive. Valid modes are:',
  '    * ASYNC: Asynchronously flush the scripts cache.',
  '    * SYNC: Synchronously flush the scripts cache.',
  'KILL',
  '    Kill the currently executing Lua script.',
  'LOAD <script>',
  '    Load a script into the scripts cache without executing it.',
  'HELP',
  '    Prints this help.',
];

export const script: LocalCommand = {
  spec: specOf('script'),
  run([sub, ...rest], _s, server): Reply {
    switch (sub.toString('latin1').toLowerCase()) {
      case 'exists':
        return array(rest.map((sha) => int(server.scripts.has(sha) ? 1 : 0)));
      case 'flush': {
        const mode = rest.length === 1 ? rest[0].toString('latin1').toLowerCase() : null;
        if (rest.length > 1 || (mode !== null && mode !== 'sync' && mode !== 'async')) return error('ERR SCRIPT FLUSH only support SYNC|ASYNC option');
        server.scripts.flush();
        return OK;
      }
      case 'kill':
        // A script runs inside one batch attempt, bounded by --script-timeout-ms: none is ever left running to kill.
        return error('NOTBUSY No scripts in execution right now.');
      case 'help':
        return array(HELP.map((l) => ({ t: 'simple', v: l })));
      default:
        return error(unknownSubcommand(sub, 'script'));
    }
  },
};

/** EVALSHA of a script this proxy does not have: a command (not a fixed reply) so that inside MULTI it is queued and answers at EXEC, as in Redis. */
export const noscript = (name: string): LocalCommand => ({ spec: specOf(name), run: () => error('NOSCRIPT No matching script. Please use EVAL.') });
