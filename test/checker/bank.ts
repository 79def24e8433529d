/**
 * The bank check (Jepsen's bank workload, made stricter): N accounts per
 * bank, each starting with `initial`; transfers move amounts between two
 * accounts of one bank; audits read every balance of a bank in one
 * transaction.
 *
 * Accounts are stored as offsets from `initial` (an absent key is offset
 * 0), so a bank needs no set-up: its balances are initial + offset, its
 * total N × initial, and the offsets sum to 0.
 *
 * Every answered audit must show:
 *  - the exact total (offsets summing to 0) — a transfer half applied, or
 *    a lost update (a broken WATCH), shows here;
 *  - no balance below 0 (every transfer refuses an overdraft);
 *  - per account, a balance that the transfers explain: the sum of the
 *    deltas of every acknowledged transfer that completed before the audit
 *    began (strict serializability: it must see them), plus the deltas of
 *    some subset of the transfers that may or may not precede it
 *    (concurrent with it, or of unknown outcome). So an acknowledged
 *    transfer lost, or one applied twice, is found by the next audit of its
 *    accounts, and the final audit (after the run, faults off) must account
 *    for every acknowledged transfer exactly once.
 * The per-account test is a necessary condition (each account's subset is
 * chosen independently), which keeps it linear in the concurrency.
 */

export type TransferVia = 'cas-set' | 'cas-incr' | 'eval';
export type AuditVia = 'mget' | 'gets' | 'eval' | 'final';

export interface BankTransfer {
  id: number;
  client: number;
  via: TransferVia;
  bank: string;
  from: string;
  to: string;
  amount: number;
  call: number;
  ret?: number;
  /** ok: applied once; refused: overdraft, nothing done; aborted: nothing done (EXEC's null, TRYAGAIN); unknown. */
  outcome: 'ok' | 'refused' | 'aborted' | 'unknown';
  error?: string;
}

export interface BankAudit {
  id: number;
  client: number;
  via: AuditVia;
  bank: string;
  call: number;
  ret?: number;
  outcome: 'ok' | 'aborted' | 'unknown';
  /** Per account of the bank, in the bank's order: the stored offset as read (null: absent). */
  values?: (string | null)[];
  error?: string;
}

export interface BankHistory {
  initial: number;
  /** Per bank its account keys. */
  banks: Record<string, string[]>;
  transfers: BankTransfer[];
  audits: BankAudit[];
}

export type BankAnomalyKind = 'bad-value' | 'bad-total' | 'overdraft' | 'unexplained-balance';

export interface BankAnomaly {
  kind: BankAnomalyKind;
  audit: number;
  bank: string;
  account?: string;
  message: string;
}

export interface BankResult {
  valid: boolean;
  transfers: Record<BankTransfer['outcome'], number>;
  /** Answered audits, all checked. */
  auditsChecked: number;
  anomalies: BankAnomaly[];
}

/** Offsets that can follow from a set of optional deltas: every subset sum. */
function subsetSums(deltas: number[]): Set<number> {
  let sums = new Set<number>([0]);
  for (const d of deltas) sums = new Set([...sums, ...[...sums].map((s) => s + d)]);
  return sums;
}

export function checkBank(h: BankHistory): BankResult {
  const transfers: BankResult['transfers'] = { ok: 0, refused: 0, aborted: 0, unknown: 0 };
  for (const t of h.transfers) transfers[t.outcome]++;
  // Only transfers that may have done something, by bank.
  const effective = new Map<string, BankTransfer[]>();
  for (const t of h.transfers) {
    if (t.outcome !== 'ok' && t.outcome !== 'unknown') continue;
    const list = effective.get(t.bank) ?? [];
    list.push(t);
    effective.set(t.bank, list);
  }
  const anomalies: BankAnomaly[] = [];
  let auditsChecked = 0;
  for (const a of h.audits) {
    if (a.outcome !== 'ok' || !a.values) continue;
    auditsChecked++;
    const accounts = h.banks[a.bank] ?? [];
    const offsets = parseOffsets(a, accounts, anomalies);
    if (!offsets) continue;
    const total = offsets.reduce((s, o) => s + o, 0);
    if (total !== 0) {
      anomalies.push({ kind: 'bad-total', audit: a.id, bank: a.bank, message: `audit A${a.id} (${a.via}) of ${a.bank} saw a total of ${accounts.length * h.initial + total}, not ${accounts.length * h.initial}: [${offsets.map((o) => h.initial + o).join(' ')}]` });
    }
    accounts.forEach((acct, i) => {
      if (h.initial + offsets[i] < 0) anomalies.push({ kind: 'overdraft', audit: a.id, bank: a.bank, account: acct, message: `audit A${a.id} saw ${acct} at ${h.initial + offsets[i]} < 0` });
      explain(a, acct, offsets[i], effective.get(a.bank) ?? [], h.initial, anomalies);
    });
  }
  return { valid: anomalies.length === 0, transfers, auditsChecked, anomalies };
}

function parseOffsets(a: BankAudit, accounts: string[], anomalies: BankAnomaly[]): number[] | undefined {
  const values = a.values ?? [];
  if (values.length !== accounts.length) {
    anomalies.push({ kind: 'bad-value', audit: a.id, bank: a.bank, message: `audit A${a.id} read ${values.length} balances for ${accounts.length} accounts` });
    return undefined;
  }
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && !/^(0|-?[1-9][0-9]{0,14})$/.test(v)) {
      anomalies.push({ kind: 'bad-value', audit: a.id, bank: a.bank, account: accounts[i], message: `audit A${a.id} read ${JSON.stringify(v)} for ${accounts[i]}: not a balance` });
      return undefined;
    }
    out.push(v === null ? 0 : Number(v));
  }
  return out;
}

/** Whether the transfers explain `offset` of account `acct` at audit `a` (see the file comment). */
function explain(a: BankAudit, acct: string, offset: number, transfers: BankTransfer[], initial: number, anomalies: BankAnomaly[]): void {
  let base = 0;
  const before: number[] = [];
  const maybe: BankTransfer[] = [];
  for (const t of transfers) {
    const delta = t.from === acct ? -t.amount : t.to === acct ? t.amount : 0;
    if (delta === 0) continue;
    if (t.outcome === 'ok' && (t.ret as number) < a.call) {
      base += delta;
      before.push(t.id);
    } else if (t.call < (a.ret ?? Infinity)) maybe.push(t);
  }
  const deltas = maybe.map((t) => (t.from === acct ? -t.amount : t.amount));
  if (subsetSums(deltas).has(offset - base)) return;
  const shown = maybe.map((t) => `${t.from === acct ? '-' : '+'}${t.amount} (X${t.id}, ${t.outcome})`).join(' ');
  anomalies.push({
    kind: 'unexplained-balance',
    audit: a.id,
    bank: a.bank,
    account: acct,
    message:
      `audit A${a.id} (${a.via}) saw ${acct} at ${initial + offset}: the ${before.length} transfers acknowledged before it began give ${initial + base}, ` +
      `and no subset of the ${maybe.length} that may or may not precede it [${shown}] makes up the difference ${offset - base}: a transfer lost or applied twice`,
  });
}
