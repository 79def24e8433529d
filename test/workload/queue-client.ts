/**
 * A queue workload client (checker/queue.ts has the check): it pushes
 * elements unique to the run at the head of a few lists (LPUSH) and pops
 * them at the tail, with RPOP or with a short BRPOP, so most pops find the
 * lists near empty and block until some client's push fills them — through
 * this proxy, another one, or (in a cluster) the writer.
 */
import type { QueueOp } from '../checker/queue';
import { classifyError } from '../checker/history';
import type { Resp } from '../support/resp-client';
import type { Address } from './cluster';
import { PipelineClient, type ConnContext } from './txn-conn';

export interface QueueContext extends ConnContext {
  ops: QueueOp[];
  now(): number;
  /** The lists. */
  queues: readonly string[];
  /** BRPOP's timeouts, in seconds (fractional: Redis's float timeouts). */
  blockSeconds: readonly number[];
}

/** Share of steps that push; the rest pop, half by RPOP and half by BRPOP. */
const PUSH_SHARE = 0.55;

export class QueueClient extends PipelineClient {
  private seq = 0;

  constructor(id: number, proxy: number, addr: Address, rand: () => number, private readonly ctx: QueueContext) {
    super(id, proxy, addr, rand, ctx);
  }

  private pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.rand() * items.length)];
  }

  protected async step(): Promise<void> {
    const queue = this.pick(this.ctx.queues);
    const r = this.rand();
    if (r < PUSH_SHARE) await this.push(queue, `${this.id}.${this.seq++}`);
    else if (r < PUSH_SHARE + (1 - PUSH_SHARE) / 2) await this.pop(queue, 'rpop', ['RPOP', queue]);
    else await this.pop(queue, 'brpop', ['BRPOP', queue, String(this.pick(this.ctx.blockSeconds))]);
  }

  private async push(queue: string, element: string): Promise<void> {
    const op = await this.record({ kind: 'push', queue, value: element, via: 'lpush' }, ['LPUSH', queue, element]);
    if (!op) return;
    const { o, reply } = op;
    if (reply && o.outcome === 'ok' && reply.t !== 'int') mark(o, 'unknown', `unexpected LPUSH reply ${reply.t}`);
  }

  /** RPOP answers the element or null; BRPOP [key, element] or the null array at its timeout. */
  private async pop(queue: string, via: 'rpop' | 'brpop' | 'drain', cmd: string[]): Promise<'element' | 'empty' | 'not-ok'> {
    const op = await this.record({ kind: 'pop', queue, value: null, via }, cmd);
    if (!op?.reply || op.o.outcome !== 'ok') return 'not-ok';
    const { o, reply } = op;
    if (reply.t === 'null') return 'empty';
    const element = via === 'brpop' ? (reply.t === 'array' ? reply.v[1] : undefined) : reply;
    if (element?.t === 'bulk') {
      o.value = element.v.toString('utf8');
      return 'element';
    }
    // A reply the model cannot read: the pop may have taken something.
    mark(o, 'unknown', `unexpected ${cmd[0]} reply ${reply.t}`);
    return 'not-ok';
  }

  /**
   * After the run (faults off): pops a list until it answers empty, or until
   * `until`. A pop that failed is tried again (one without a reply counts as
   * possibly consumed in the check, so trying again is sound).
   */
  async drain(queue: string, until: number): Promise<void> {
    while (this.ctx.now() < until && (await this.pop(queue, 'drain', ['RPOP', queue])) !== 'empty') {
      /* one element per RPOP: each is its own operation */
    }
  }

  /** Sends one command and records it as an operation, with its outcome. */
  private async record(base: Pick<QueueOp, 'kind' | 'queue' | 'value' | 'via'>, cmd: string[]): Promise<{ o: QueueOp; reply?: Resp } | null> {
    let o: QueueOp | undefined;
    const sent = await this.send([cmd], () => {
      o = { ...base, id: this.ctx.ops.length, client: this.id, call: this.ctx.now(), outcome: 'unknown' };
      this.ctx.ops.push(o);
    });
    if (!o) return null; // never sent
    if ('failure' in sent) {
      mark(o, sent.written ? 'unknown' : 'failed', sent.failure);
      return { o };
    }
    const reply = sent.replies[0];
    o.ret = this.ctx.now();
    if (reply.t === 'error') mark(o, classifyError(reply.v) === 'no' ? 'failed' : 'unknown', reply.v);
    else o.outcome = 'ok';
    return { o, reply };
  }
}

function mark(o: QueueOp, outcome: QueueOp['outcome'], error: string): void {
  o.outcome = outcome;
  o.error = error;
  // An operation of unknown outcome stays open to the end of the history.
  if (outcome === 'unknown') delete o.ret;
}
