/**
 * Commands the proxy answers itself, without a Lambda invocation: the
 * connection handshake of real clients (HELLO, AUTH, CLIENT, SELECT, INFO,
 * COMMAND, CONFIG GET) and PING/ECHO/QUIT/RESET. They are barriers inside a
 * pipeline: the session runs them only after everything before them.
 */
import { COMMANDS } from '../../lambda/commands';
import { array, bulk, error, int, map, simple, type Reply } from '../resp/reply';
import { auth } from './auth';
import { client, echo, hello, ping, quit, reset, select } from './connection';
import { config, info } from './introspection';
import type { LocalCommand } from './types';

export type { LocalCommand, LocalResult, ServerInfo, SessionState } from './types';

interface TableEntry {
  name: string;
  arity: number;
  flags: string[];
  firstKey: number;
  lastKey: number;
  step: number;
}

const command: LocalCommand = {
  name: 'command',
  arity: -1,
  flags: ['loading', 'stale'],
  run(args, s) {
    const sub = args[0]?.toString('latin1').toLowerCase();
    const table = commandTable();
    if (sub === undefined) return array(table.map(describe));
    if (sub === 'count') return int(table.length);
    if (sub === 'info') {
      const wanted = args.slice(1).map((a) => a.toString('latin1').toLowerCase());
      return array(wanted.map((w) => table.find((c) => c.name === w)).map((c) => (c ? describe(c) : { t: 'null' })));
    }
    if (sub === 'docs') {
      // No per-command docs yet: an empty reply is what redis-cli expects to cope with.
      const wanted = args.slice(1).map((a) => a.toString('latin1').toLowerCase());
      const chosen = wanted.length ? table.filter((c) => wanted.includes(c.name)) : table;
      const entries: [Reply, Reply][] = chosen.map((c) => [bulk(c.name), map([[bulk('summary'), bulk(`${c.name.toUpperCase()} (valthree)`)]])]);
      return s.protocol === 3 ? map(entries) : array(entries.flat());
    }
    if (sub === 'list') return array(table.map((c) => bulk(c.name)));
    return error(`ERR unknown subcommand '${args[0].toString('latin1').slice(0, 128)}'. Try COMMAND HELP.`);
  },
};

function describe(c: TableEntry): Reply {
  return array([bulk(c.name), int(c.arity), array(c.flags.map(simple)), int(c.firstKey), int(c.lastKey), int(c.step), array([]), array([]), array([]), array([])]);
}

export const LOCAL_COMMANDS: ReadonlyMap<string, LocalCommand> = new Map(
  [auth, hello, ping, echo, select, quit, reset, client, info, config, command].map((c) => [c.name, c]),
);

let table: TableEntry[] | null = null;

/** Every command valthree knows: the proxy's own and the engine's. */
export function commandTable(): TableEntry[] {
  if (table) return table;
  const local = [...LOCAL_COMMANDS.values()].map((c) => ({ name: c.name, arity: c.arity, flags: c.flags, firstKey: 0, lastKey: 0, step: 0 }));
  const engine = [...COMMANDS.values()]
    .filter((c) => !LOCAL_COMMANDS.has(c.name))
    .map((c) => ({ name: c.name, arity: c.arity, flags: c.write ? ['write'] : ['readonly', 'fast'], firstKey: c.keys[0], lastKey: c.keys[1], step: c.keys[2] }));
  table = [...local, ...engine].sort((a, b) => a.name.localeCompare(b.name));
  return table;
}
