/**
 * OBJECT ENCODING|FREQ|IDLETIME|REFCOUNT|HELP. valthree stores every value
 * as bytes in JSON and tracks no access times, so the answers are the ones
 * Redis would give for the same value just written with SET, or an
 * aggregate just loaded from an RDB (nil for an absent key, as Redis).
 *
 * Aggregates: Redis 7.0.15's encodings for the current contents, with its
 * default thresholds. Redis converts a small encoding to the big one and
 * never back while the key lives (a hash that grew past 512 fields stays
 * `hashtable` after HDELs), but picks by contents on load; valthree keeps no
 * encoding, so it always answers as a fresh load would.
 */
import type { Entry, ValueOf } from '../../document';
import { CommandError, unknownSubcommand } from '../../errors';
import type { Reply } from '../../contract';
import { parseInteger } from '../args';
import { bulk, int, NIL, specOf, type Command } from '../types';

/** Redis's objects shared between keys: the integers 0–9999 (OBJ_SHARED_INTEGERS), with a refcount of INT_MAX. */
const SHARED_INTEGERS = 10000n;
const SHARED_REFCOUNT = 2147483647;
/** Longest string Redis stores in one allocation with its header (OBJ_ENCODING_EMBSTR_SIZE_LIMIT). */
const EMBSTR_LIMIT = 44;

const FREQ_ERROR =
  'ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.';

const HELP = [
  'OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:',
  'ENCODING <key>',
  '    Return the kind of internal representation used in order to store the value',
  '    associated with a <key>.',
  'FREQ <key>',
  '    Return the access frequency index of the <key>. The returned integer is',
  '    proportional to the logarithm of the recent access frequency of the key.',
  'IDLETIME <key>',
  '    Return the idle time of the <key>, that is the approximated number of',
  '    seconds elapsed since the last access to the key.',
  'REFCOUNT <key>',
  '    Return the number of references of the value associated with the specified',
  '    <key>.',
  'HELP',
  '    Prints this help.',
];

/** redis-server 7.0.15's defaults: hash-max-listpack-entries/-value, zset-max-listpack-entries/-value, set-max-intset-entries. */
const HASH_LISTPACK_ENTRIES = 512;
const HASH_LISTPACK_VALUE = 64;
const ZSET_LISTPACK_ENTRIES = 128;
const ZSET_LISTPACK_VALUE = 64;
const SET_INTSET_ENTRIES = 512;

/** A string value's integer, as SET would have encoded it (at most 20 bytes, string2l), or null. */
function asInteger(value: Buffer): bigint | null {
  return value.length <= 20 ? parseInteger(value) : null;
}

export function hashEncoding(h: ValueOf<'hash'>): string {
  if (h.size > HASH_LISTPACK_ENTRIES) return 'hashtable';
  for (const [f, v] of h.fields.entries()) if (f.length > HASH_LISTPACK_VALUE || v.length > HASH_LISTPACK_VALUE) return 'hashtable';
  return 'listpack';
}

/** Redis 7.0 has no listpack sets (7.2 added them): integers make an intset, anything else a hashtable. */
export function setEncoding(s: ValueOf<'set'>): string {
  if (s.size > SET_INTSET_ENTRIES) return 'hashtable';
  for (const m of s.members.keys()) if (asInteger(Buffer.from(m, 'latin1')) === null) return 'hashtable';
  return 'intset';
}

export function zsetEncoding(z: ValueOf<'zset'>): string {
  if (z.size > ZSET_LISTPACK_ENTRIES) return 'skiplist';
  for (const m of z.scores.keys()) if (m.length > ZSET_LISTPACK_VALUE) return 'skiplist';
  return 'listpack';
}

function encoding(e: Readonly<Entry>): string {
  switch (e.type) {
    case 'string':
      if (asInteger(e.value) !== null) return 'int';
      return e.value.length <= EMBSTR_LIMIT ? 'embstr' : 'raw';
    case 'hash':
      return hashEncoding(e.value);
    // Redis 7.0 stores every list as a quicklist (7.2 added listpack lists).
    case 'list':
      return 'quicklist';
    case 'set':
      return setEncoding(e.value);
    case 'zset':
      return zsetEncoding(e.value);
    case 'stream':
      return 'stream';
  }
}

function refcount(e: Readonly<Entry>): number {
  if (e.type !== 'string') return 1;
  const n = asInteger(e.value);
  return n !== null && n >= 0n && n < SHARED_INTEGERS ? SHARED_REFCOUNT : 1;
}

const ABOUT_KEY: Record<string, (e: Readonly<Entry>) => Reply> = {
  encoding: (e) => bulk(Buffer.from(encoding(e))),
  refcount: (e) => int(refcount(e)),
  // No access times are kept: every key is as fresh as it can be.
  idletime: () => int(0),
  // The maxmemory policy is noeviction (a full document refuses writes), never LFU.
  freq: () => {
    throw new CommandError(FREQ_ERROR);
  },
};

export const object: Command = {
  spec: specOf('object'),
  run(args, { db }) {
    const word = args.next();
    const sub = word.toString('latin1').toLowerCase();
    if (sub === 'help') {
      args.end();
      return { t: 'array', v: HELP.map((v): Reply => ({ t: 'simple', v })) };
    }
    const about = Object.hasOwn(ABOUT_KEY, sub) ? ABOUT_KEY[sub] : undefined;
    if (about === undefined) throw new CommandError(unknownSubcommand(word, 'object'));
    const key = args.key();
    args.end();
    const e = db.entry(key);
    return e === undefined ? NIL : about(e);
  },
};
