/** Terse builders for hand-written histories in the checker's tests. */
import type { Applied, History, OpInput, OpOutput, Operation } from './history';

type Ret = number | undefined;

export class H {
  readonly ops: Operation[] = [];

  private add(client: number, input: OpInput, call: number, ret: Ret, output: OpOutput): Operation {
    const op: Operation = { id: this.ops.length, client, input, call, output };
    if (ret !== undefined) op.ret = ret;
    if (input.op !== 'flushall') op.key = input.key;
    this.ops.push(op);
    return op;
  }

  set(c: number, key: string, value: string, call: number, ret: Ret): Operation {
    return this.add(c, { op: 'set', key, value }, call, ret, ret === undefined ? { kind: 'pending' } : { kind: 'ok' });
  }

  get(c: number, key: string, value: string | null, call: number, ret: number): Operation {
    return this.add(c, { op: 'get', key }, call, ret, { kind: 'value', value });
  }

  del(c: number, key: string, n: number, call: number, ret: number): Operation {
    return this.add(c, { op: 'del', key }, call, ret, { kind: 'int', n });
  }

  flush(c: number, call: number, ret: Ret): Operation {
    return this.add(c, { op: 'flushall' }, call, ret, ret === undefined ? { kind: 'pending' } : { kind: 'ok' });
  }

  /** An operation answered with an error. */
  fail(c: number, input: OpInput, applied: Applied, call: number, ret: number): Operation {
    const message = applied === 'no' ? 'TRYAGAIN not applied: test' : 'UNKNOWN outcome unknown: test';
    return this.add(c, input, call, ret, { kind: 'error', applied, message });
  }

  /** Any input/output pair, for malformed replies. */
  raw(c: number, input: OpInput, call: number, ret: Ret, output: OpOutput): Operation {
    return this.add(c, input, call, ret, output);
  }

  get history(): History {
    return this.ops;
  }
}
