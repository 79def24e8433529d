/**
 * A list-append workload client (list-append.ts has the check): each
 * transaction reads some keys (GET) and appends a token unique to it
 * ("<client>.<n> ") to others — never both on one key — sent as MULTI …
 * EXEC or as one script (EVAL) that runs the same commands.
 *
 * Stream keys (`lx:…`, issue 14) are the same lists kept as streams: an
 * append is XADD key * t "<token> ", a read XRANGE key - + with the entries'
 * values joined, so the check sees exactly what it sees of a string.
 */
import type { AppendTxn, MicroOp } from '../checker/txn';
import type { Resp } from '../support/resp-client';
import type { Address } from './cluster';
import { PipelineClient, intOf, outcomeOf, stringOf, type ConnContext } from './txn-conn';

/**
 * For each key: ARGV[i] '' reads it (absent → ''), else appends ARGV[i];
 * ARGV[#KEYS + i] 's' makes it a stream (XRANGE / XADD). The replies in order.
 */
export const APPEND_SCRIPT = `local r = {}
local n = #KEYS
for i, k in ipairs(KEYS) do
  local stream = ARGV[n + i] == 's'
  if ARGV[i] == '' and stream then
    local s = ''
    for _, e in ipairs(redis.call('XRANGE', k, '-', '+')) do s = s .. e[2][2] end
    r[i] = s
  elseif ARGV[i] == '' then r[i] = redis.call('GET', k) or ''
  elseif stream then r[i] = redis.call('XADD', k, '*', 't', ARGV[i])
  else r[i] = redis.call('APPEND', k, ARGV[i]) end
end
return r`;

/** A stream key: its list lives in a stream's entries (see the header). */
export const isStreamKey = (key: string): boolean => key.startsWith('lx:');

const readCommand = (key: string): string[] => (isStreamKey(key) ? ['XRANGE', key, '-', '+'] : ['GET', key]);
const appendCommand = (key: string, token: string): string[] => (isStreamKey(key) ? ['XADD', key, '*', 't', `${token} `] : ['APPEND', key, `${token} `]);

/** A read's value: a string's bulk, or a stream's entries' values joined; nil (or an empty stream) is absent. */
function readValue(r: Resp | undefined): string | null {
  if (r?.t !== 'array') return stringOf(r);
  if (r.v.length === 0) return null;
  let out = '';
  for (const e of r.v) {
    const fields = e.t === 'array' ? e.v[1] : undefined;
    const value = fields?.t === 'array' ? fields.v[1] : undefined;
    if (value?.t !== 'bulk') return `<unexpected XRANGE entry ${show(e)}>`;
    out += value.v.toString('utf8');
  }
  return out;
}

const show = (r: Resp): string => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

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
        ? [['MULTI'], ...ops.map((o) => (o.f === 'read' ? readCommand(o.key) : appendCommand(o.key, o.token))), ['EXEC']]
        : [['EVAL', APPEND_SCRIPT, String(ops.length), ...ops.map((o) => o.key), ...ops.map((o) => (o.f === 'read' ? '' : `${o.token} `)), ...ops.map((o) => (isStreamKey(o.key) ? 's' : 'p'))]];
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
        // APPEND answers the new length, which the check holds against the token's place; XADD an id.
        const n = intOf(r);
        if (n !== undefined) op.length = n;
        return;
      }
      // '' from the script: an absent key (an appended key is never empty).
      op.value = r?.t === 'bulk' && r.v.length === 0 && via === 'eval' ? null : readValue(r);
    });
  }

  /** A read of one key after the run (faults off), as a transaction of its own. */
  async finalRead(key: string): Promise<void> {
    const ops: MicroOp[] = [{ f: 'read', key }];
    let t: AppendTxn | undefined;
    const sent = await this.send([readCommand(key)], () => {
      t = { id: this.ctx.txns.length, client: this.id, via: 'final', call: this.ctx.now(), outcome: 'unknown', ops };
      this.ctx.txns.push(t);
    });
    if (!t || 'failure' in sent || sent.replies[0].t === 'error') return;
    t.outcome = 'ok';
    t.ret = this.ctx.now();
    ops[0] = { f: 'read', key, value: readValue(sent.replies[0]) };
  }
}
