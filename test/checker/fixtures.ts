/** Terse builders for hand-written histories in the checker's tests. */
import { classifyError, type Applied, type History, type OpInput, type OpOutput, type Operation } from './history';

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

  /** INCR answered with an integer (a number, or a decimal string past 2^53), or never answered (ret undefined). */
  incr(c: number, key: string, n: number | string, call: number, ret: Ret): Operation {
    return this.add(c, { op: 'incr', key }, call, ret, ret === undefined ? { kind: 'pending' } : { kind: 'int', n });
  }

  /** INCR answered with one of its value errors, exactly as Redis words them. */
  incrError(c: number, key: string, error: 'not-integer' | 'overflow', call: number, ret: number): Operation {
    const message = error === 'not-integer' ? 'ERR value is not an integer or out of range' : 'ERR increment or decrement would overflow';
    return this.add(c, { op: 'incr', key }, call, ret, { kind: 'error', applied: classifyError(message), message });
  }

  /** SET key value PX ttl, answered OK or (ret undefined) never answered. */
  setPx(c: number, key: string, value: string, ttl: number, call: number, ret: Ret): Operation {
    return this.add(c, { op: 'set', key, value, px: ttl }, call, ret, ret === undefined ? { kind: 'pending' } : { kind: 'ok' });
  }

  /** INCRBY key by, answered n or never answered. */
  incrBy(c: number, key: string, by: number, n: number | string, call: number, ret: Ret): Operation {
    return this.add(c, { op: 'incr', key, by }, call, ret, ret === undefined ? { kind: 'pending' } : { kind: 'int', n });
  }

  /** PEXPIRE key ms, answered 0/1 or never answered. */
  pexpire(c: number, key: string, ms: number, n: number, call: number, ret: Ret): Operation {
    return this.add(c, { op: 'pexpire', key, ms }, call, ret, ret === undefined ? { kind: 'pending' } : { kind: 'int', n });
  }

  /** PTTL key answered n (ms left, -1 no TTL, -2 absent). */
  pttl(c: number, key: string, n: number, call: number, ret: number): Operation {
    return this.add(c, { op: 'pttl', key }, call, ret, { kind: 'int', n });
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
