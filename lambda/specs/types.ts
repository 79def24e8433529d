/**
 * What a command is, as data: name, arity, flags, where its keys are, and the
 * shape of its reply. The proxy (classification, COMMAND INFO/DOCS), the
 * engine and the handler (which commands write, what a commit keeps for
 * exactly-once replay) all read these descriptions; only the engine holds the
 * code. A spec is plain data: no imports of command code, no I/O.
 */

/** Redis 7's command flags, spelled as COMMAND INFO prints them. */
export type CommandFlag =
  | 'write'
  | 'readonly'
  | 'denyoom'
  | 'admin'
  | 'noscript'
  | 'blocking'
  | 'loading'
  | 'stale'
  | 'fast'
  | 'no_auth'
  | 'no_multi'
  | 'allow_busy'
  | 'skip_slowlog'
  | 'skip_monitor'
  | 'no_mandatory_keys'
  | 'movablekeys';

/** Redis 7's key-spec flags (RW/RO/OW/RM and what the command does to the key). */
export type KeyFlag = 'RW' | 'RO' | 'OW' | 'RM' | 'access' | 'update' | 'insert' | 'delete' | 'variable_flags';

/** Where the search for keys starts: a fixed index, or after a keyword (XREAD … STREAMS). */
export type BeginSearch = { index: number } | { keyword: string; startFrom: number };

/**
 * How keys are found from there: a range (lastKey relative to the start, -1
 * to the end; every `step`-th word) or a count argument (EVAL, ZUNIONSTORE,
 * BLMPOP: the word at `keyNumIdx` says how many keys follow from `firstKey`).
 */
export type FindKeys = { lastKey: number; step: number; limit: number } | { keyNumIdx: number; firstKey: number; step: number };

export interface KeySpec {
  flags: readonly KeyFlag[];
  begin: BeginSearch;
  find: FindKeys;
}

/**
 * The shape of a command's reply, which decides what a commit keeps for
 * exactly-once replay: small fixed shapes are kept verbatim; a bulk or an
 * array may be large and is kept only within the window's reply budget.
 */
export type ReplyShape = 'status' | 'integer' | 'bulk' | 'array' | 'double' | 'map' | 'any';

/** Redis's command groups, spelled as COMMAND DOCS prints them. */
export type CommandGroup = 'string' | 'generic' | 'connection' | 'server' | 'transactions' | 'scripting' | 'hash' | 'set' | 'list' | 'sorted-set' | 'stream';

export interface CommandSpec {
  /** Lower-case, as Redis reports it. */
  readonly name: string;
  /** Redis arity: N means exactly N words (name included), -N at least N. */
  readonly arity: number;
  readonly flags: readonly CommandFlag[];
  readonly keys: readonly KeySpec[];
  readonly group: CommandGroup;
  /** The Redis version that introduced it, and a one-line summary (COMMAND DOCS). */
  readonly since: string;
  readonly summary: string;
  readonly reply: ReplyShape;
  /** ACL categories beyond those derived from flags and group (e.g. @dangerous). */
  readonly acl?: readonly string[];
  /** False when the group's category is not the command's (WAIT: group generic, category @connection only). */
  readonly groupAcl?: boolean;
  /** Writes although Redis does not flag it `write`: EVAL, whose script may write. */
  readonly mayWrite?: boolean;
  /** A container command's subcommands (CLIENT, CONFIG, COMMAND), named `parent|sub`. */
  readonly subcommands?: readonly CommandSpec[];
}

export function arityOk(arity: number, words: number): boolean {
  return arity >= 0 ? words === arity : words >= -arity;
}

/**
 * The arity error for `argv`, or null: the command's own arity, then its
 * subcommand's (`ERR wrong number of arguments for 'config|get' command`).
 * An unknown subcommand is left to the command, which names it in its error.
 */
export function arityError(spec: CommandSpec, argv: readonly Buffer[]): string | null {
  if (!arityOk(spec.arity, argv.length)) return spec.name;
  const sub = spec.subcommands && argv.length > 1 ? subcommandOf(spec, argv[1]) : undefined;
  return sub && !arityOk(sub.arity, argv.length) ? sub.name : null;
}

export function subcommandOf(spec: CommandSpec, word: Buffer): CommandSpec | undefined {
  const name = `${spec.name}|${word.toString('latin1').toLowerCase()}`;
  return spec.subcommands?.find((s) => s.name === name);
}

/** Whether the command may change the document: Redis's `write` flag, or a script that may write (EVAL). */
export const isWrite = (spec: CommandSpec): boolean => spec.flags.includes('write') || spec.mayWrite === true;

/**
 * The legacy (first, last, step) triple COMMAND INFO still prints. One range
 * spec is used as is; several are merged as Redis's
 * populateCommandLegacyRangeSpec does: step-1 ranges, each starting right
 * after the previous one's last key (RENAME, COPY: 1, 2, 1).
 */
export function legacyKeyRange(spec: CommandSpec): [number, number, number] {
  const ranges = spec.keys.flatMap((k) => ('index' in k.begin && 'lastKey' in k.find ? [{ index: k.begin.index, ...k.find }] : []));
  if (spec.keys.length === 1 && ranges.length === 1) {
    const [r] = ranges;
    return [r.index, r.lastKey < 0 ? r.lastKey : r.index + r.lastKey, r.step];
  }
  // Redis compares last keys as unsigned: a negative one (to the end) is larger than any index.
  const unsigned = (n: number) => (n < 0 ? 2 ** 32 + n : n);
  let [first, last, prevLast] = [Infinity, 0, 0];
  for (const r of ranges) {
    if (r.step !== 1 || (prevLast && prevLast !== r.index - 1)) continue;
    first = Math.min(first, r.index);
    const abs = r.lastKey < 0 ? r.lastKey : r.index + r.lastKey;
    last = unsigned(abs) > unsigned(last) ? abs : last;
    prevLast = last;
  }
  return first === Infinity ? [0, 0, 0] : [first, last, 1];
}

/** The keys an argument vector names (name at argv[0]), by the spec's key specs. */
export function keysOf(spec: CommandSpec, argv: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  for (const k of spec.keys) {
    const start = beginAt(k.begin, argv);
    if (start < 0 || start >= argv.length) continue;
    if ('lastKey' in k.find) {
      // A limit of N > 1 means the keys are the first 1/N of the words left (XREAD's streams, then ids).
      const toEnd = k.find.limit > 1 ? start + Math.floor((argv.length - start) / k.find.limit) - 1 : argv.length - 1;
      const last = k.find.lastKey >= 0 ? start + k.find.lastKey : toEnd + 1 + k.find.lastKey;
      for (let i = start; i <= Math.min(last, argv.length - 1); i += k.find.step) out.push(argv[i]);
    } else {
      const count = Number(argv[start + k.find.keyNumIdx]?.toString('latin1'));
      if (!Number.isSafeInteger(count) || count < 0) continue;
      const first = start + k.find.firstKey;
      for (let n = 0, i = first; n < count && i < argv.length; n++, i += k.find.step) out.push(argv[i]);
    }
  }
  return out;
}

function beginAt(begin: BeginSearch, argv: readonly Buffer[]): number {
  if ('index' in begin) return begin.index;
  for (let i = begin.startFrom; i < argv.length; i++) {
    if (argv[i].toString('latin1').toLowerCase() === begin.keyword.toLowerCase()) return i + 1;
  }
  return -1;
}
