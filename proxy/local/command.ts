/**
 * COMMAND [COUNT|INFO|DOCS|LIST|GETKEYS]: every command valthree knows, read
 * from the shared spec table (the proxy's own and the engine's), in Redis 7's
 * shapes: flags and key specs as sets and maps on RESP3, flat on RESP2.
 */
import { aclCategories, arityError, keysOf, legacyKeyRange, lookupSpec, SPECS, type CommandSpec, type KeySpec } from '../../lambda/specs';
import { unknownSubcommand } from '../../lambda/errors';
import { array, bulk, error, int, map, NULL, simple, type Reply } from '../resp/reply';
import { specOf, type LocalCommand } from './types';

const SORTED: readonly CommandSpec[] = [...SPECS.values()].sort((a, b) => a.name.localeCompare(b.name));
const set = (v: Reply[]): Reply => ({ t: 'set', v });
const pairs = (o: Record<string, Reply>): Reply => map(Object.entries(o).map(([k, v]) => [bulk(k), v]));

function keySpecReply(k: KeySpec): Reply {
  const begin = 'index' in k.begin ? pairs({ type: bulk('index'), spec: pairs({ index: int(k.begin.index) }) }) : pairs({ type: bulk('keyword'), spec: pairs({ keyword: bulk(k.begin.keyword), startfrom: int(k.begin.startFrom) }) });
  const find =
    'lastKey' in k.find
      ? pairs({ type: bulk('range'), spec: pairs({ lastkey: int(k.find.lastKey), keystep: int(k.find.step), limit: int(k.find.limit) }) })
      : pairs({ type: bulk('keynum'), spec: pairs({ keynumidx: int(k.find.keyNumIdx), firstkey: int(k.find.firstKey), keystep: int(k.find.step) }) });
  return pairs({ flags: set(k.flags.map(simple)), begin_search: begin, find_keys: find });
}

/** One COMMAND INFO entry, field for field as Redis 7 answers it. */
export function describe(c: CommandSpec): Reply {
  const [first, last, step] = legacyKeyRange(c);
  return array([bulk(c.name), int(c.arity), set(c.flags.map(simple)), int(first), int(last), int(step), set(aclCategories(c).map(simple)), array([]), array(c.keys.map(keySpecReply)), array((c.subcommands ?? []).map(describe))]);
}

function docs(c: CommandSpec): Reply {
  return pairs({ summary: bulk(c.summary), since: bulk(c.since), group: bulk(c.group) });
}

function getkeys(args: Buffer[]): Reply {
  const spec = args.length > 0 ? lookupSpec(args[0]) : undefined;
  if (!spec) return error('ERR Invalid command specified');
  if (arityError(spec, args)) return error('ERR Invalid number of arguments specified for command');
  const keys = keysOf(spec, args);
  return keys.length > 0 ? array(keys.map((k) => bulk(k))) : error('ERR The command has no key arguments');
}

const names = (args: Buffer[]) => args.map((a) => a.toString('latin1').toLowerCase());

export const command: LocalCommand = {
  spec: specOf('command'),
  run(args) {
    const sub = args[0]?.toString('latin1').toLowerCase();
    if (sub === undefined) return array(SORTED.map(describe));
    if (sub === 'count') return int(SORTED.length);
    if (sub === 'list') return array(SORTED.map((c) => bulk(c.name)));
    if (sub === 'info') {
      const wanted = args.length > 1 ? names(args.slice(1)).map((n) => SPECS.get(n)) : SORTED;
      return array(wanted.map((c) => (c ? describe(c) : NULL)));
    }
    if (sub === 'docs') {
      // Unknown names are left out, as in Redis; the reply is a map (flat on RESP2).
      const wanted = args.length > 1 ? names(args.slice(1)).flatMap((n) => SPECS.get(n) ?? []) : SORTED;
      return map(wanted.map((c) => [bulk(c.name), docs(c)]));
    }
    if (sub === 'getkeys') return getkeys(args.slice(1));
    return error(unknownSubcommand(args[0], 'command'));
  },
};
