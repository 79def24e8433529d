/**
 * Jepsen Elle's list-append check, for strings that APPEND builds: each
 * transaction appends unique tokens ("<token> ") to some keys and reads
 * (GETs) others; a read returns the key's whole list, so the reads reveal
 * each key's version order, from which the dependency graph follows.
 *
 * Inference, per key (Elle's rules for traceable lists):
 *  - every read must be a prefix of the longest read (else the orders are
 *    incompatible: anomaly); the longest read is the key's version order;
 *  - ww: the writer of each element precedes the writer of the next;
 *  - wr: the writer of a read's last element precedes the reader;
 *  - rw: a reader precedes the writer of the element after its read's end
 *    (it did not see that append, so it came before it).
 * Plus rt edges (completed before the other began) for strict
 * serializability (graph.ts). The graph must be acyclic.
 *
 * Outcomes: aborted transactions did nothing (a read of their token is
 * G1a); one of unknown outcome is in the graph only if some read shows one
 * of its tokens (then it happened; its own reads are unknown), and, never
 * having completed, it only receives rt edges. Also anomalies: a token read
 * twice in one read (applied twice), a token nobody appended there, an
 * APPEND whose reply (the new length) disagrees with its place in the
 * order, and an acknowledged append that no read ever shows although a
 * read began after it completed (lost).
 */
import { DependencyGraph, addRealtimeEdges, type Cycle } from './graph';
import { describeTxn, tokensOf, type AppendTxn } from './txn';

export type AnomalyKind = 'incompatible-order' | 'duplicate' | 'garbage' | 'aborted-read' | 'lost-append' | 'bad-append-reply' | 'cycle';

export interface Anomaly {
  kind: AnomalyKind;
  key?: string;
  /** The transactions involved (for a cycle: in cycle order). */
  txns: number[];
  message: string;
  cycle?: Cycle;
}

export interface ListAppendResult {
  valid: boolean;
  /** Transactions in the history, and those the graph holds (ok, or unknown but seen). */
  txns: number;
  txnsChecked: number;
  /** Their ids. */
  checkedIds: number[];
  /** Micro-operations of the transactions checked (reads and appends). */
  opsChecked: number;
  keys: number;
  edges: number;
  anomalies: Anomaly[];
}

export interface ListAppendOptions {
  /** Add real-time edges (strict serializability). Default true. */
  realtime?: boolean;
}

interface Read {
  txn: AppendTxn;
  tokens: string[];
}

export function checkListAppend(history: AppendTxn[], opts: ListAppendOptions = {}): ListAppendResult {
  const byId = new Map(history.map((t) => [t.id, t]));
  // key → token → writer
  const writers = new Map<string, Map<string, AppendTxn>>();
  const reads = new Map<string, Read[]>();
  for (const t of history) {
    for (const o of t.ops) {
      if (o.f === 'append') {
        let m = writers.get(o.key);
        if (!m) writers.set(o.key, (m = new Map()));
        const other = m.get(o.token);
        if (other && other.id !== t.id) throw new Error(`token ${o.token} appended to ${o.key} by T${other.id} and T${t.id}: tokens must be unique`);
        m.set(o.token, t);
      } else if (t.outcome === 'ok' && o.value !== undefined) {
        const list = reads.get(o.key) ?? [];
        list.push({ txn: t, tokens: tokensOf(o.value) });
        reads.set(o.key, list);
      }
    }
  }
  const anomalies: Anomaly[] = [];
  const seen = new Set<number>(); // unknown transactions some read shows
  const orders = new Map<string, string[]>();
  for (const [key, rs] of reads) orders.set(key, keyOrder(key, rs, writers.get(key) ?? new Map(), anomalies, seen));
  const inGraph = history.filter((t) => t.outcome === 'ok' || (t.outcome === 'unknown' && seen.has(t.id)));
  const g = new DependencyGraph();
  for (const [key, order] of orders) addDataEdges(g, key, order, reads.get(key) ?? [], writers.get(key) ?? new Map());
  checkAppends(history, orders, reads, anomalies);
  if (opts.realtime ?? true) addRealtimeEdges(g, inGraph.map((t) => ({ id: t.id, call: t.call, ret: t.outcome === 'ok' ? t.ret : undefined })));
  for (const cycle of g.cycles()) {
    const txns = cycle.steps.map((s) => s.from);
    const path = cycle.steps.map((s) => `T${s.from} -${s.kinds[0]}${s.key ? `(${s.key})` : ''}→ T${s.to}`).join(', ');
    anomalies.push({ kind: 'cycle', txns, cycle, message: `${cycle.class} cycle: ${path}\n${txns.map((id) => `  ${describeTxn(byId.get(id) as AppendTxn)}`).join('\n')}` });
  }
  return {
    valid: anomalies.length === 0,
    txns: history.length,
    txnsChecked: inGraph.length,
    checkedIds: inGraph.map((t) => t.id),
    opsChecked: inGraph.reduce((n, t) => n + t.ops.length, 0),
    keys: new Set([...writers.keys(), ...reads.keys()]).size,
    edges: g.edges,
    anomalies,
  };
}

/** The key's version order (its longest read), with the anomalies its reads show. */
function keyOrder(key: string, rs: Read[], writers: Map<string, AppendTxn>, anomalies: Anomaly[], seen: Set<number>): string[] {
  let longest = rs[0];
  for (const r of rs) if (r.tokens.length > longest.tokens.length) longest = r;
  const order = longest.tokens;
  // A read that is a prefix of the longest holds no token the longest does
  // not: only the longest and the incompatible reads need a closer look.
  const inspect = [longest];
  for (const r of rs) {
    let bad = -1;
    for (let i = 0; i < r.tokens.length && bad < 0; i++) if (r.tokens[i] !== order[i]) bad = i;
    if (bad < 0) continue;
    inspect.push(r);
    anomalies.push({
      kind: 'incompatible-order',
      key,
      txns: [r.txn.id, longest.txn.id],
      message: `${key}: T${r.txn.id} read [${r.tokens.join(' ')}], not a prefix of T${longest.txn.id}'s [${order.join(' ')}] (differs at element ${bad})`,
    });
  }
  for (const r of inspect) {
    const distinct = new Set(r.tokens);
    const dup = distinct.size === r.tokens.length ? undefined : r.tokens.find((tok, i) => r.tokens.indexOf(tok) !== i);
    if (dup !== undefined) anomalies.push({ kind: 'duplicate', key, txns: [r.txn.id], message: `${key}: T${r.txn.id} read ${dup} twice: an append applied twice` });
    for (const tok of distinct) {
      const w = writers.get(tok);
      if (!w) anomalies.push({ kind: 'garbage', key, txns: [r.txn.id], message: `${key}: T${r.txn.id} read ${JSON.stringify(tok)}, which no transaction appended to ${key}` });
      else if (w.outcome === 'aborted') anomalies.push({ kind: 'aborted-read', key, txns: [r.txn.id, w.id], message: `${key}: T${r.txn.id} read ${tok} of T${w.id}, which aborted (${w.error ?? 'no reason'}) (G1a)` });
      else if (w.outcome === 'unknown') seen.add(w.id);
    }
  }
  return order;
}

function addDataEdges(g: DependencyGraph, key: string, order: string[], rs: Read[], writers: Map<string, AppendTxn>): void {
  // Writers that did not abort: an aborted one is already an anomaly.
  const writer = (tok: string | undefined): number | undefined => {
    const w = tok === undefined ? undefined : writers.get(tok);
    return w && w.outcome !== 'aborted' ? w.id : undefined;
  };
  for (let i = 0; i + 1 < order.length; i++) {
    const a = writer(order[i]);
    const b = writer(order[i + 1]);
    if (a !== undefined && b !== undefined) g.add(a, b, 'ww', key);
  }
  for (const r of rs) {
    const m = r.tokens.length;
    const last = writer(r.tokens[m - 1]);
    if (m > 0 && last !== undefined) g.add(last, r.txn.id, 'wr', key);
    const compatible = r.tokens.every((tok, i) => tok === order[i]);
    const next = compatible ? writer(order[m]) : undefined;
    if (next !== undefined) g.add(r.txn.id, next, 'rw', key);
  }
}

/** APPEND replies against the order, and acknowledged appends no read shows. */
function checkAppends(history: AppendTxn[], orders: Map<string, string[]>, reads: Map<string, Read[]>, anomalies: Anomaly[]): void {
  const lengths = new Map<string, number[]>();
  const lengthAt = (key: string, i: number): number => {
    let l = lengths.get(key);
    if (!l) {
      l = [];
      let n = 0;
      for (const tok of orders.get(key) ?? []) l.push((n += tok.length + 1));
      lengths.set(key, l);
    }
    return l[i];
  };
  const positions = new Map<string, Map<string, number>>();
  const position = (key: string, token: string): number => {
    let m = positions.get(key);
    if (!m) positions.set(key, (m = new Map((orders.get(key) ?? []).map((tok, i) => [tok, i]))));
    return m.get(token) ?? -1;
  };
  for (const t of history) {
    if (t.outcome !== 'ok') continue;
    for (const o of t.ops) {
      if (o.f !== 'append') continue;
      const i = position(o.key, o.token);
      if (i >= 0) {
        if (o.length !== undefined && o.length !== lengthAt(o.key, i)) {
          anomalies.push({ kind: 'bad-append-reply', key: o.key, txns: [t.id], message: `${o.key}: T${t.id}'s APPEND of ${o.token} answered length ${o.length}, but its place in the order gives ${lengthAt(o.key, i)}` });
        }
        continue;
      }
      const later = (reads.get(o.key) ?? []).find((r) => t.ret !== undefined && r.txn.call > t.ret);
      if (later) {
        anomalies.push({
          kind: 'lost-append',
          key: o.key,
          txns: [t.id, later.txn.id],
          message: `${o.key}: T${t.id}'s acknowledged append of ${o.token} is in no read, though T${later.txn.id} read ${o.key} after T${t.id} completed`,
        });
      }
    }
  }
}
