/**
 * A list-append workload client (list-append.ts has the check): each
 * transaction reads some keys (GET) and appends a token unique to it
 * ("<client>.<n> ") to others — never both on one key — sent as MULTI …
 * EXEC or as one script (EVAL) that runs the same commands.
 */
import type { AppendTxn, MicroOp } from '../checker/txn';
import type { Resp } from '../support/resp-client';
import type { Address } from './cluster';
import { PipelineClient, intOf, outcomeOf, stringOf, type ConnContext } from './txn-conn';

/** For each key: ARGV[i] '' reads it (absent → ''), else appends ARGV[i]; the replies in order. */
export const APPEND_SCRIPT = `local r = {}
for i, k in ipairs(KEYS) do
  if ARGV[i] == '' then r[i] = redis.call('GET', k) or '' else r[i] = redis.call('APPEND', k, ARGV[i]) end
end
return r`;

export interface AppendContext extends ConnContext {
  txns: AppendTxn[];
  now(): number;
  /** The keys to draw from now (they rotate). */
  hotKeys(): string[];
  /** Most micro-operations per transaction. */
  maxOps: number;
  onTxn?(id: number, proxy: number): void;
}

export class AppendClient extends PipelineClient {
  private seq = 0;

  constructor(id: number, proxy: number, addr: Address, rand: () => number, private readonly ctx: AppendContext) {
    super(id, proxy, addr, rand, ctx);
  }

  private nextOps(): MicroOp[] {
    const keys = [...this.ctx.hotKeys()];
    const n = 1 + Math.floor(this.rand() * Math.min(this.ctx.maxOps, keys.length));
    const token = `${this.id}.${this.seq++}`;
    const ops: MicroOp[] = [];
    for (let i = 0; i < n; i++) {
      // Distinct keys: a partial Fisher-Yates draw.
      const j = i + Math.floor(this.rand() * (keys.length - i));
      [keys[i], keys[j]] = [keys[j], keys[i]];
      ops.push(this.rand() < 0.5 ? { f: 'read', key: keys[i] } : { f: 'append', key: keys[i], token });
    }
    return ops;
  }

  protected async step(): Promise<void> {
    const ops = this.nextOps();
    const via = this.rand() < 0.6 ? 'multi' : 'eval';
    const cmds =
      via === 'multi'
        ? [['MULTI'], ...ops.map((o) => (o.f === 'read' ? ['GET', o.key] : ['APPEND', o.key, `${o.token} `])), ['EXEC']]
        : [['EVAL', APPEND_SCRIPT, String(ops.length), ...ops.map((o) => o.key), ...ops.map((o) => (o.f === 'read' ? '' : `${o.token} `))]];
    let t: AppendTxn | undefined;
    const sent = await this.send(cmds, () => {
      t = { id: this.ctx.txns.length, client: this.id, via, call: this.ctx.now(), outcome: 'unknown', ops };
      this.ctx.txns.push(t);
      this.ctx.onTxn?.(t.id, this.proxy);
    });
    if (!t) return; // never sent
    const o = outcomeOf(sent, cmds.length - 1);
    t.outcome = o.outcome;
    if (o.error) t.error = o.error;
    if (o.outcome !== 'unknown') t.ret = this.ctx.now();
    if (o.outcome !== 'ok') return;
    const replies: Resp[] = o.reply?.t === 'array' ? o.reply.v : [];
    ops.forEach((op, i) => {
      const r = replies[i];
      if (op.f === 'append') {
        const n = intOf(r);
        if (n !== undefined) op.length = n;
        return;
      }
      // '' from the script: an absent key (an appended key is never empty).
      op.value = r?.t === 'bulk' && r.v.length === 0 && via === 'eval' ? null : stringOf(r);
    });
  }

  /** A read of one key after the run (faults off), as a transaction of its own. */
  async finalRead(key: string): Promise<void> {
    const ops: MicroOp[] = [{ f: 'read', key }];
    let t: AppendTxn | undefined;
    const sent = await this.send([['GET', key]], () => {
      t = { id: this.ctx.txns.length, client: this.id, via: 'final', call: this.ctx.now(), outcome: 'unknown', ops };
      this.ctx.txns.push(t);
    });
    if (!t || 'failure' in sent || sent.replies[0].t === 'error') return;
    t.outcome = 'ok';
    t.ret = this.ctx.now();
    ops[0] = { f: 'read', key, value: stringOf(sent.replies[0]) };
  }
}
