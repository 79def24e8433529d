/**
 * Histories of multi-key transactions (MULTI/EXEC and EVAL), for the
 * list-append check (list-append.ts); the bank's are in bank.ts.
 *
 * A transaction's interval is from the moment its first command was written
 * to the socket to the moment its last reply came. Its outcome:
 *  - ok: the server answered it (EXEC's array, a script's reply): it
 *    happened, once, between call and ret;
 *  - aborted: the server said it did nothing (EXEC's null after WATCH,
 *    EXECABORT, TRYAGAIN, an unknown command);
 *  - unknown: no answer, or `UNKNOWN …`: it may have happened, at any time
 *    after its call, or never.
 */

export type TxnOutcome = 'ok' | 'aborted' | 'unknown';

export type MicroOp =
  /** APPEND key "<token> ": the reply is the string's length after it (ok transactions only). */
  | { f: 'append'; key: string; token: string; length?: number }
  /** GET key: the value read (ok transactions only; null: the key was absent). */
  | { f: 'read'; key: string; value?: string | null };

export interface AppendTxn {
  id: number;
  client: number;
  /** How it was sent: MULTI/EXEC, a script, or the final reads after the run. */
  via: 'multi' | 'eval' | 'final';
  call: number;
  ret?: number;
  outcome: TxnOutcome;
  ops: MicroOp[];
  /** The error or failure that made it aborted or unknown. */
  error?: string;
}

/** The string a list holds, as tokens: "a b c " → [a, b, c]; null (absent) → []. */
export function tokensOf(value: string | null): string[] {
  if (value === null) return [];
  const parts = value.split(' ');
  // Every APPEND ends with a space, so the last part is empty.
  if (parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/** Records transactions as the workload runs (the analogue of HistoryRecorder). */
export class TxnRecorder<T extends { id: number; call: number; ret?: number }> {
  private readonly txns: T[] = [];

  constructor(readonly now: () => number = () => performance.now()) {}

  /** Stamps the call time now; the transaction is returned for the caller to complete. */
  begin(fields: Omit<T, 'id' | 'call' | 'ret'>): T {
    const t = { ...fields, id: this.txns.length, call: this.now() } as T;
    this.txns.push(t);
    return t;
  }

  /** Stamps the completion time now. */
  end(t: T): void {
    t.ret = this.now();
  }

  get size(): number {
    return this.txns.length;
  }

  history(): T[] {
    return this.txns.map((t) => structuredClone(t));
  }
}

export function describeTxn(t: AppendTxn): string {
  const ops = t.ops.map((o) => (o.f === 'append' ? `append ${o.key} ${o.token}` : `read ${o.key} ${o.value === undefined ? '?' : shortList(o.value)}`));
  return `T${t.id} (client ${t.client}, ${t.via}, ${t.outcome}${t.error ? `: ${t.error}` : ''}, ${t.call.toFixed(1)}–${t.ret?.toFixed(1) ?? '…'} ms) [${ops.join('; ')}]`;
}

/** A list read, its last few tokens only (the rest is in history.json). */
function shortList(value: string | null): string {
  const toks = tokensOf(value);
  return toks.length <= 4 ? `[${toks.join(' ')}]` : `[… ${toks.slice(-3).join(' ')}] (${toks.length} tokens)`;
}
