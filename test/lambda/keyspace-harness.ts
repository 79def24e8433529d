/** The keyspace tests' harness: one document, commands run at a clock the test sets, in a database the test picks. */
import { type WireReply } from '../../lambda/contract';
import { toWire } from '../../lambda/contract-wire';
import { Document } from '../../lambda/document';
import { contextFor, executeOne } from '../../lambda/engine';
import { Keyspace, Touched } from '../../lambda/commands/context';
import { argv } from './util';

export interface Harness {
  doc: Document;
  /** The batch clock (Unix ms) the next command runs at. */
  now: number;
  touched: Touched;
  run(...words: (string | Buffer)[]): WireReply;
  /** The same, in database `db`. */
  runIn(db: number, ...words: (string | Buffer)[]): WireReply;
}

export const T0 = 1_700_000_000_000;

export function harness(now = T0): Harness {
  const h: Harness = {
    doc: Document.empty(),
    now,
    touched: new Touched(),
    run: (...words) => h.runIn(0, ...words),
    runIn: (db, ...words) => toWire(executeOne(contextFor(new Keyspace(h.doc, h.touched, db, h.now)), argv(...words))),
  };
  return h;
}

/** The keys of a KEYS reply (or SCAN's page), sorted, as latin1 text. */
export function names(reply: WireReply): string[] {
  if (reply.t !== 'array') throw new Error(`expected an array, got ${JSON.stringify(reply)}`);
  return reply.v.map((r) => (r.t === 'bulk' ? Buffer.from(r.v, 'base64').toString('latin1') : `?${r.t}`)).sort();
}
