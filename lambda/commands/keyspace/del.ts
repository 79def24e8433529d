import type { Args } from '../args';
import type { Keyspace } from '../context';
import { int, specOf, type Command } from '../types';

/** How many of the keys existed (a key named twice counts once: the second finds it gone). */
function deleteKeys(args: Args, db: Keyspace) {
  let n = 0;
  for (const k of args.rest()) if (db.delete(k)) n++;
  return int(n);
}

/** DEL key [key ...]. */
export const del: Command = {
  spec: specOf('del'),
  run: (args, { db }) => deleteKeys(args, db),
};

/** UNLINK key [key ...]: DEL; Redis frees the memory later, here the commit is the one write either way. */
export const unlink: Command = {
  spec: specOf('unlink'),
  run: (args, { db }) => deleteKeys(args, db),
};
