/**
 * History types for the linearizability checker, plus a recorder the workload
 * uses to build a history and a classifier for valthree's error replies.
 *
 * Times are milliseconds on one monotonic clock (performance.now() of the
 * process that runs every client), so call/return times of different clients
 * are comparable.
 */

export type OpInput =
  | { op: 'get'; key: string }
  /** With `px`: SET key value PX px (a time to live in ms, see expiry.ts). */
  | { op: 'set'; key: string; value: string; px?: number }
  | { op: 'del'; key: string }
  /** INCR, or with `by`: INCRBY key by. */
  | { op: 'incr'; key: string; by?: number }
  /** PEXPIRE key ms: 1 if the key was live (it now expires ms after this command's clock), else 0. */
  | { op: 'pexpire'; key: string; ms: number }
  /** PTTL key: the time to live left in ms, -1 for no TTL, -2 for absent. */
  | { op: 'pttl'; key: string }
  | { op: 'flushall' };

/** Whether a failed operation may have taken effect. */
export type Applied = 'no' | 'unknown';

export type OpOutput =
  | { kind: 'value'; value: string | null } // GET
  | { kind: 'ok' } // SET, FLUSHALL
  // DEL: 1 if the key existed, else 0. INCR/INCRBY: the new value; an integer
  // past 2^53 is kept as its decimal string, so that no digit is lost.
  // PEXPIRE: 1 or 0. PTTL: ms left, -1 or -2.
  | { kind: 'int'; n: number | string }
  | { kind: 'error'; applied: Applied; message: string }
  | { kind: 'pending' }; // never answered

export interface Operation {
  id: number;
  client: number;
  /** Absent for FLUSHALL, which acts on every key. */
  key?: string;
  input: OpInput;
  /** Invocation time (ms, monotonic). */
  call: number;
  /** Completion time; undefined when the client never got an answer. */
  ret?: number;
  output: OpOutput;
}

export type History = Operation[];

/**
 * Classifies an error reply (or a client-side failure message) by whether the
 * command can have taken effect. Anything not positively known to be a
 * rejection is 'unknown': calling an applied write 'no' would make the checker
 * report violations that did not happen, while 'unknown' only weakens it.
 */
export function classifyError(message: string): Applied {
  const m = message.startsWith('-') ? message.slice(1) : message;
  // The handler's two failure kinds (lambda/contract.ts failureReply).
  if (/^TRYAGAIN\b/.test(m)) return 'no';
  if (/^UNKNOWN\b/.test(m)) return 'unknown';
  // Authentication is checked before a command reaches the engine.
  if (/^(NOAUTH|WRONGPASS)\b/.test(m)) return 'no';
  // The engine throws OutOfMemoryError before it mutates the snapshot.
  if (/^OOM\b/.test(m)) return 'no';
  // Parse-time rejections: the command never ran. Other ERR texts (a proxy's
  // internal error, say) are not proof that nothing was committed. INCR's
  // two value errors change nothing either (for an INCR they are also an
  // observation of the value: see incrRejection).
  if (/^ERR (syntax error|wrong number of arguments|unknown command|empty command|value is not an integer|invalid|increment or decrement would overflow)/.test(m)) {
    return 'no';
  }
  // Connection resets, timeouts, closed sockets, unrecognised errors.
  return 'unknown';
}

// ---- INCR's arithmetic, as Redis does it ------------------------------------

export const INT64_MAX = 9223372036854775807n;
export const INT64_MIN = -9223372036854775808n;

/**
 * The value as INCR reads it: a base-10 integer in the signed 64-bit range,
 * written the way Redis's string2ll accepts it (no sign but '-', no leading
 * zeros, no spaces; "-0" is not one). Anything else makes INCR answer
 * "ERR value is not an integer or out of range".
 */
export function integerValue(v: string): bigint | undefined {
  if (!/^(0|-?[1-9][0-9]{0,18})$/.test(v)) return undefined;
  const n = BigInt(v);
  return n >= INT64_MIN && n <= INT64_MAX ? n : undefined;
}

/** What INCR (INCRBY by) does to the key: the new value, or undefined when it answers an error and changes nothing. */
export function incremented(v: string | null, by = 1): string | undefined {
  const n = v === null ? 0n : integerValue(v);
  if (n === undefined) return undefined;
  const m = n + BigInt(by);
  return m > INT64_MAX || m < INT64_MIN ? undefined : String(m);
}

/** An INCR reply as a decimal string, or undefined when it is not an integer at all. */
export function intReply(n: number | string): string | undefined {
  if (typeof n === 'number') return Number.isSafeInteger(n) ? String(n) : undefined;
  return /^-?[0-9]+$/.test(n) ? String(BigInt(n)) : undefined;
}

/**
 * An INCR answered with one of its value errors: it changed nothing, and it
 * observed the value — 'not-integer': the key holds a value that is not an
 * integer; 'overflow': the key holds 9223372036854775807. Undefined for any
 * other operation or outcome.
 */
export function incrRejection(op: Pick<Operation, 'input' | 'output'>): 'not-integer' | 'overflow' | undefined {
  if (op.input.op !== 'incr' || op.output.kind !== 'error' || op.output.applied !== 'no') return undefined;
  const m = op.output.message.startsWith('-') ? op.output.message.slice(1) : op.output.message;
  if (/^ERR value is not an integer\b/.test(m)) return 'not-integer';
  if (/^ERR increment or decrement would overflow\b/.test(m)) return 'overflow';
  return undefined;
}

/** Handle returned by HistoryRecorder.begin(); pass it to end()/fail(). */
export interface OpHandle {
  readonly id: number;
}

/**
 * Records a history as the workload runs. begin() stamps the invocation time
 * just before the command is written to the socket; end()/fail() stamp the
 * completion time as soon as the reply is parsed. Operations never ended stay
 * pending (ret undefined), which the checker treats as open forever.
 */
export class HistoryRecorder {
  private readonly ops: Operation[] = [];

  constructor(private readonly now: () => number = () => performance.now()) {}

  begin(client: number, input: OpInput): OpHandle {
    const id = this.ops.length;
    const op: Operation = { id, client, input, call: this.now(), output: { kind: 'pending' } };
    if (input.op !== 'flushall') op.key = input.key;
    this.ops.push(op);
    return { id };
  }

  /** Completes an operation with a successful reply. */
  end(handle: OpHandle, output: OpOutput): void {
    const op = this.ops[handle.id];
    if (!op) throw new Error(`unknown operation handle ${handle.id}`);
    if (op.ret !== undefined) throw new Error(`operation ${handle.id} already ended`);
    op.ret = this.now();
    op.output = output;
  }

  /** Completes an operation with an error reply or a client-side failure. */
  fail(handle: OpHandle, message: string): void {
    this.end(handle, { kind: 'error', applied: classifyError(message), message });
  }

  /** Number of operations begun so far. */
  get size(): number {
    return this.ops.length;
  }

  /** A copy of the history so far (pending operations included). */
  history(): History {
    return this.ops.map((o) => ({ ...o, input: { ...o.input }, output: { ...o.output } }));
  }
}

export function describeInput(input: OpInput): string {
  switch (input.op) {
    case 'get':
      return `GET ${input.key}`;
    case 'set':
      return `SET ${input.key} ${JSON.stringify(input.value)}${input.px === undefined ? '' : ` PX ${input.px}`}`;
    case 'del':
      return `DEL ${input.key}`;
    case 'incr':
      return input.by === undefined ? `INCR ${input.key}` : `INCRBY ${input.key} ${input.by}`;
    case 'pexpire':
      return `PEXPIRE ${input.key} ${input.ms}`;
    case 'pttl':
      return `PTTL ${input.key}`;
    case 'flushall':
      return 'FLUSHALL';
  }
}

export function describeOutput(output: OpOutput): string {
  switch (output.kind) {
    case 'value':
      return output.value === null ? '(nil)' : JSON.stringify(output.value);
    case 'ok':
      return 'OK';
    case 'int':
      return `(integer) ${output.n}`;
    case 'error':
      return `error[applied=${output.applied}] ${output.message}`;
    case 'pending':
      return '(no reply)';
  }
}
