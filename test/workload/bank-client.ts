/**
 * A bank workload client (bank.ts has the check). Each step is one of:
 *  - a compare-and-set transfer: WATCH a b, GET a, GET b, then MULTI, the
 *    two new balances (SET) or the two moves (DECRBY/INCRBY), EXEC;
 *    retried (re-read) while EXEC answers null, up to a few times;
 *  - a transfer script (EVAL): GETs, refuses an overdraft, DECRBY/INCRBY;
 *  - an audit of every balance of the bank: MULTI + MGET, MULTI + GETs, or
 *    a script.
 * Every command inside a committed EXEC or script is also recorded as an
 * operation on its key, with its reply and the transaction's interval, so
 * that the per-key linearizability check runs on the same history; inside
 * one of unknown outcome it stays open (a write) or is dropped (a read).
 */
import type { BankAudit, BankTransfer, TransferVia } from '../checker/bank';
import type { HistoryRecorder, OpHandle, OpInput } from '../checker/history';
import type { Resp } from '../support/resp-client';
import { outputOf } from './client';
import type { Address } from './cluster';
import { PipelineClient, intOf, outcomeOf, stringOf, type ConnContext, type Sent } from './txn-conn';

/** KEYS: from, to; ARGV: amount, initial. Replies {1, a, b, a', b'} or {0, a, b} (refused); '' for an absent key. */
export const TRANSFER_SCRIPT = `local a = redis.call('GET', KEYS[1])
local b = redis.call('GET', KEYS[2])
local amount = tonumber(ARGV[1])
if tonumber(ARGV[2]) + tonumber(a or '0') < amount then return {0, a or '', b or ''} end
local na = redis.call('DECRBY', KEYS[1], amount)
local nb = redis.call('INCRBY', KEYS[2], amount)
return {1, a or '', b or '', na, nb}`;

/** Every key's value, '' for an absent one (a nil would end the table). */
export const AUDIT_SCRIPT = `local r = {}
for i, k in ipairs(KEYS) do r[i] = redis.call('GET', k) or '' end
return r`;

export interface BankContext extends ConnContext {
  recorder: HistoryRecorder;
  transfers: BankTransfer[];
  audits: BankAudit[];
  /** One id space for transfers and audits. */
  nextId(): number;
  now(): number;
  /** The bank to use now (banks rotate like the register workload's keys). */
  bank(): { name: string; accounts: string[] };
  initial: number;
  maxAmount: number;
  /** How many times a CAS transfer re-reads after EXEC answered null. */
  casRetries: number;
  onOp?(opId: number, proxy: number): void;
}

const NOT_APPLIED = (why: string) => ({ kind: 'error' as const, applied: 'no' as const, message: why });

export class BankClient extends PipelineClient {
  constructor(id: number, proxy: number, addr: Address, rand: () => number, private readonly ctx: BankContext) {
    super(id, proxy, addr, rand, ctx);
  }

  protected async step(): Promise<void> {
    const x = this.rand();
    const { name, accounts } = this.ctx.bank();
    if (x < 0.75) {
      const i = Math.floor(this.rand() * accounts.length);
      const j = (i + 1 + Math.floor(this.rand() * (accounts.length - 1))) % accounts.length;
      const amount = 1 + Math.floor(this.rand() * this.ctx.maxAmount);
      const via: TransferVia = x < 0.3 ? 'cas-set' : x < 0.45 ? 'cas-incr' : 'eval';
      if (via === 'eval') await this.evalTransfer(name, accounts[i], accounts[j], amount);
      else for (let k = 0; k <= this.ctx.casRetries && !(await this.casTransfer(via, name, accounts[i], accounts[j], amount)); k++);
      return;
    }
    await this.audit(name, accounts, x < 0.83 ? 'mget' : x < 0.91 ? 'gets' : 'eval');
  }

  private begin(inputs: OpInput[]): OpHandle[] {
    return inputs.map((input) => {
      const h = this.ctx.recorder.begin(this.id, input);
      this.ctx.onOp?.(h.id, this.proxy);
      return h;
    });
  }

  private transfer(via: TransferVia, bank: string, from: string, to: string, amount: number): BankTransfer {
    const t: BankTransfer = { id: this.ctx.nextId(), client: this.id, via, bank, from, to, amount, call: this.ctx.now(), outcome: 'unknown' };
    this.ctx.transfers.push(t);
    return t;
  }

  /** Ends per-key operations from the replies (or leaves them open on a failure). */
  private endOps(hs: OpHandle[], sent: Sent, replies: (Resp | undefined)[], outcome: 'ok' | 'aborted' | 'unknown', error?: string): void {
    hs.forEach((h, i) => {
      if (outcome === 'aborted') return this.ctx.recorder.end(h, NOT_APPLIED(error ?? 'aborted'));
      if (outcome === 'unknown') return 'failure' in sent ? undefined : this.ctx.recorder.fail(h, error ?? 'UNKNOWN');
      const r = replies[i];
      const o = r ? outputOf(r) : { error: 'missing reply' };
      if ('error' in o) this.ctx.recorder.fail(h, o.error);
      else this.ctx.recorder.end(h, o);
    });
  }

  /** One attempt; false when EXEC answered null (re-read and try again). */
  private async casTransfer(via: 'cas-set' | 'cas-incr', bank: string, from: string, to: string, amount: number): Promise<boolean> {
    const t = this.transfer(via, bank, from, to, amount);
    const reads = this.begin([{ op: 'get', key: from }, { op: 'get', key: to }]);
    const first = await this.send([['WATCH', from, to], ['GET', from], ['GET', to]]);
    const finish = (outcome: BankTransfer['outcome'], error?: string): true => {
      t.outcome = outcome;
      t.ret = this.ctx.now();
      if (error) t.error = error;
      return true;
    };
    if ('failure' in first) return finish('aborted', first.failure);
    this.endOps(reads, first, first.replies.slice(1), 'ok');
    if (first.replies[0].t === 'error') return finish('aborted', `WATCH: ${first.replies[0].v}`);
    const [a, b] = first.replies.slice(1).map(stringOf);
    const ia = Number(a ?? '0');
    const ib = Number(b ?? '0');
    if (!Number.isSafeInteger(ia) || !Number.isSafeInteger(ib) || this.ctx.initial + ia < amount) {
      await this.send([['UNWATCH']], undefined, true);
      return finish('refused');
    }
    const [na, nb] = [String(ia - amount), String(ib + amount)];
    const inner: OpInput[] =
      via === 'cas-set'
        ? [{ op: 'set', key: from, value: na }, { op: 'set', key: to, value: nb }]
        : [{ op: 'incr', key: from, by: -amount }, { op: 'incr', key: to, by: amount }];
    const cmds = via === 'cas-set' ? [['SET', from, na], ['SET', to, nb]] : [['DECRBY', from, String(amount)], ['INCRBY', to, String(amount)]];
    let hs: OpHandle[] = [];
    const sent = await this.send([['MULTI'], ...cmds, ['EXEC']], () => (hs = this.begin(inner)), true);
    const o = outcomeOf(sent, cmds.length + 1);
    const elements = o.reply?.t === 'array' ? o.reply.v : [];
    this.endOps(hs, sent, elements, o.outcome, o.error);
    if (o.outcome === 'aborted' && !('failure' in sent) && sent.replies[cmds.length + 1].t === 'null') {
      finish('aborted', o.error);
      return false;
    }
    return finish(o.outcome, o.error);
  }

  private async evalTransfer(bank: string, from: string, to: string, amount: number): Promise<void> {
    const t = this.transfer('eval', bank, from, to, amount);
    let hs: OpHandle[] = [];
    const inputs: OpInput[] = [{ op: 'get', key: from }, { op: 'get', key: to }, { op: 'incr', key: from, by: -amount }, { op: 'incr', key: to, by: amount }];
    const sent = await this.send([['EVAL', TRANSFER_SCRIPT, '2', from, to, String(amount), String(this.ctx.initial)]], () => (hs = this.begin(inputs)));
    const o = outcomeOf(sent, 0);
    t.ret = this.ctx.now();
    t.outcome = o.outcome;
    if (o.error) t.error = o.error;
    if (o.outcome !== 'ok') return this.endOps(hs, sent, [], o.outcome, o.error);
    const r = o.reply?.t === 'array' ? o.reply.v : [];
    // '' stands for an absent key (the keys only ever hold integers).
    const gets = r.slice(1, 3).map((x) => (x.t === 'bulk' && x.v.length === 0 ? ({ t: 'null' } as Resp) : x));
    if (intOf(r[0]) === 0) {
      t.outcome = 'refused';
      this.endOps(hs.slice(0, 2), sent, gets, 'ok');
      return this.endOps(hs.slice(2), sent, [], 'aborted', 'REFUSED: overdraft');
    }
    if (intOf(r[0]) !== 1) t.error = `unexpected reply ${JSON.stringify(r.map(stringOf))}`;
    this.endOps(hs, sent, [...gets, ...r.slice(3)], 'ok');
  }

  /** Also the final audits after the run (via 'final': GETs inside MULTI, as 'gets'). */
  async audit(bank: string, accounts: string[], via: BankAudit['via']): Promise<void> {
    const a: BankAudit = { id: this.ctx.nextId(), client: this.id, via, bank, call: this.ctx.now(), outcome: 'unknown' };
    this.ctx.audits.push(a);
    let hs: OpHandle[] = [];
    const cmds = via === 'eval' ? [['EVAL', AUDIT_SCRIPT, String(accounts.length), ...accounts]] : [['MULTI'], ...(via === 'mget' ? [['MGET', ...accounts]] : accounts.map((k) => ['GET', k])), ['EXEC']];
    const sent = await this.send(cmds, () => (hs = this.begin(accounts.map((key) => ({ op: 'get', key })))));
    const o = outcomeOf(sent, cmds.length - 1);
    a.ret = this.ctx.now();
    a.outcome = o.outcome;
    if (o.error) a.error = o.error;
    const top = o.reply?.t === 'array' ? o.reply.v : [];
    let values = via === 'mget' ? (top[0]?.t === 'array' ? top[0].v : []) : top;
    if (via === 'eval') values = values.map((x) => (x.t === 'bulk' && x.v.length === 0 ? ({ t: 'null' } as Resp) : x));
    if (o.outcome === 'ok') a.values = accounts.map((_, i) => stringOf(values[i]));
    this.endOps(hs, sent, values, o.outcome, o.error);
  }
}
