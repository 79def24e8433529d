import { HistoryRecorder, classifyError, describeInput, describeOutput } from './history';

describe('classifyError', () => {
  it.each([
    ['TRYAGAIN not applied: S3 503 SlowDown; safe to retry', 'no'],
    ['-TRYAGAIN not applied: throttled', 'no'],
    ['UNKNOWN outcome unknown: PUT timed out; the command may or may not have taken effect', 'unknown'],
    ['NOAUTH Authentication required.', 'no'],
    ['WRONGPASS invalid username-password pair or user is disabled.', 'no'],
    ["OOM command not allowed when used memory > 'maxmemory'.", 'no'],
    ['ERR syntax error', 'no'],
    ["ERR wrong number of arguments for 'set' command", 'no'],
    ["ERR unknown command 'sett', with args beginning with: 'k' ", 'no'],
    ['ERR value is not an integer or out of range', 'no'],
    ['ERR increment or decrement would overflow', 'no'],
    ['ERR internal error', 'unknown'],
    ['read ECONNRESET', 'unknown'],
    ['Connection is closed.', 'unknown'],
    ['timeout after 5000 ms', 'unknown'],
    ['', 'unknown'],
  ])('%j -> %s', (message, expected) => {
    expect(classifyError(message)).toBe(expected);
  });
});

describe('HistoryRecorder', () => {
  function fakeClock(): () => number {
    let t = 0;
    return () => (t += 1.5);
  }

  it('stamps call and return times and keeps unanswered operations pending', () => {
    const rec = new HistoryRecorder(fakeClock());
    const a = rec.begin(1, { op: 'set', key: 'k', value: 'v1' });
    const b = rec.begin(2, { op: 'get', key: 'k' });
    const c = rec.begin(3, { op: 'flushall' });
    rec.end(a, { kind: 'ok' });
    rec.fail(b, 'read ECONNRESET');
    const h = rec.history();
    expect(h).toEqual([
      { id: 0, client: 1, key: 'k', input: { op: 'set', key: 'k', value: 'v1' }, call: 1.5, ret: 6, output: { kind: 'ok' } },
      {
        id: 1,
        client: 2,
        key: 'k',
        input: { op: 'get', key: 'k' },
        call: 3,
        ret: 7.5,
        output: { kind: 'error', applied: 'unknown', message: 'read ECONNRESET' },
      },
      { id: 2, client: 3, input: { op: 'flushall' }, call: 4.5, output: { kind: 'pending' } },
    ]);
    expect(c.id).toBe(2);
    expect(rec.size).toBe(3);
  });

  it('refuses to end an operation twice or an unknown handle', () => {
    const rec = new HistoryRecorder(fakeClock());
    const a = rec.begin(0, { op: 'del', key: 'k' });
    rec.end(a, { kind: 'int', n: 0 });
    expect(() => rec.end(a, { kind: 'int', n: 1 })).toThrow(/already ended/);
    expect(() => rec.end({ id: 7 }, { kind: 'ok' })).toThrow(/unknown operation/);
  });

  it('returns copies, so later recording does not change an earlier snapshot', () => {
    const rec = new HistoryRecorder(fakeClock());
    const a = rec.begin(0, { op: 'get', key: 'k' });
    const before = rec.history();
    rec.end(a, { kind: 'value', value: null });
    expect(before[0].output).toEqual({ kind: 'pending' });
    expect(rec.history()[0].output).toEqual({ kind: 'value', value: null });
  });

  it('uses a monotonic clock by default', () => {
    const rec = new HistoryRecorder();
    const a = rec.begin(0, { op: 'get', key: 'k' });
    rec.end(a, { kind: 'value', value: 'x' });
    const [op] = rec.history();
    expect(op.ret).toBeGreaterThanOrEqual(op.call);
  });
});

describe('describe', () => {
  it('prints inputs and outputs the way redis-cli would', () => {
    expect(describeInput({ op: 'set', key: 'k', value: 'a b' })).toBe('SET k "a b"');
    expect(describeInput({ op: 'flushall' })).toBe('FLUSHALL');
    expect(describeInput({ op: 'incr', key: 'n' })).toBe('INCR n');
    expect(describeInput({ op: 'incr', key: 'n', by: 5 })).toBe('INCRBY n 5');
    expect(describeInput({ op: 'set', key: 'k', value: 'v', px: 250 })).toBe('SET k "v" PX 250');
    expect(describeInput({ op: 'pexpire', key: 'k', ms: 300 })).toBe('PEXPIRE k 300');
    expect(describeInput({ op: 'pttl', key: 'k' })).toBe('PTTL k');
    expect(describeOutput({ kind: 'int', n: '9223372036854775807' })).toBe('(integer) 9223372036854775807');
    expect(describeOutput({ kind: 'value', value: null })).toBe('(nil)');
    expect(describeOutput({ kind: 'int', n: 1 })).toBe('(integer) 1');
    expect(describeOutput({ kind: 'pending' })).toBe('(no reply)');
  });
});
