import { int, specOf, type Command } from '../types';

/** DEL key [key ...]: how many of the keys existed (a key named twice counts once). */
export const del: Command = {
  spec: specOf('del'),
  run(args, { db }) {
    let n = 0;
    for (const k of args.rest()) if (db.delete(k)) n++;
    return int(n);
  },
};
