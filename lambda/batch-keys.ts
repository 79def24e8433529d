/**
 * The keys a batch names, per database: what the handler loads from a paged
 * database's pages before the engine runs (layout.ts §6), since commands do
 * no I/O. The key specs are the command table's (COMMAND GETKEYS reads the
 * same), so there is one key extractor; EVAL's KEYS are its numkeys spec.
 * A transaction's queued commands and watched keys run in their own
 * databases; MOVE and COPY … DB name a key of another database, which no
 * key spec can say. What this misses (a script's undeclared key, SORT's
 * BY/GET patterns) the engine reports as NotResolvedError, and the attempt
 * loads it and runs again: this list makes the common case one round.
 */
import { decodeTransaction, isTransaction, DATABASES } from './contract';
import { decodeArg } from './contract-wire';
import { keysOf, lookupSpec, subcommandOf } from './specs';

/** Keys (latin1, as documents hold them) by database. */
export type KeysByDb = Map<number, Set<string>>;

/** Every key the sessions' commands name; `dbs[i]` is session i's database (SELECT). */
export function batchKeys(sessions: readonly Buffer[][][], dbs: readonly number[]): KeysByDb {
  const out: KeysByDb = new Map();
  const add = (db: number, key: Buffer): void => {
    const s = out.get(db);
    if (s) s.add(key.toString('latin1'));
    else out.set(db, new Set([key.toString('latin1')]));
  };
  sessions.forEach((commands, i) => {
    for (const argv of commands) commandKeys(argv, dbs[i] ?? 0, add);
  });
  return out;
}

type Add = (db: number, key: Buffer) => void;

function commandKeys(argv: Buffer[], db: number, add: Add): void {
  if (argv.length === 0) return;
  if (isTransaction(argv)) {
    const tx = decodeTransaction(argv);
    // EXEC reads its watched keys' presence (a key live when watched may have expired since).
    for (const w of tx?.watch ?? []) add(w.db, decodeArg(w.key));
    for (const c of tx?.commands ?? []) commandKeys(c.argv.map(decodeArg), c.db, add);
    return;
  }
  const top = lookupSpec(argv[0]);
  if (!top) return;
  // A container's keys are its subcommand's (OBJECT ENCODING key, XINFO STREAM key).
  const spec = top.subcommands && argv.length > 1 ? (subcommandOf(top, argv[1]) ?? top) : top;
  for (const k of keysOf(spec, argv)) add(db, k);
  otherDb(spec.name, argv, add);
}

/** MOVE key db and COPY src dst … DB n write a key of another database. */
function otherDb(name: string, argv: Buffer[], add: Add): void {
  if (name === 'move' && argv.length === 3) {
    const n = dbIndex(argv[2]);
    if (n !== undefined) add(n, argv[1]);
  } else if (name === 'copy') {
    for (let i = 3; i + 1 < argv.length; i++) {
      const n = argv[i].toString('latin1').toLowerCase() === 'db' ? dbIndex(argv[i + 1]) : undefined;
      if (n !== undefined) add(n, argv[2]);
    }
  }
}

/** A database number as written in a command, or undefined (the command answers the error itself). */
function dbIndex(word: Buffer): number | undefined {
  const s = word.toString('latin1');
  return /^[0-9]{1,2}$/.test(s) && Number(s) < DATABASES ? Number(s) : undefined;
}
