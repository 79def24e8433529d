/**
 * Protocol fuzzing against a running proxy.
 *
 * Each case is a byte stream — random garbage, valid commands, or valid
 * commands mutated (wrong, negative and huge lengths, a CR or LF dropped,
 * nested arrays and non-bulk elements spliced in, bytes flipped, inserted,
 * deleted, truncated) — written in pieces split at random points, on a fresh
 * connection. Properties checked for every case:
 *  - the server's output parses as strict RESP, with no truncated reply;
 *  - the connection either stays open (and the server has answered every
 *    complete request: its `tot-net-in` matches what was sent, its
 *    `tot-net-out` what arrived, nothing is pending) or is closed right after
 *    `-ERR Protocol error: …` (or the `+OK` of a QUIT); nothing follows a
 *    protocol error;
 *  - a second, well-behaved connection keeps answering, and canary keys
 *    written before the run keep their values (the generator cannot name them:
 *    they are longer than any key it makes, and it never sends FLUSHALL);
 *  - the proxy stays alive.
 *
 * Runs under fast-check: a failure is shrunk to a small reproducer and
 * reported with the seed that replays it.
 */
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import fc from 'fast-check';
import { RawClient, encodeCommand, plain, type Resp } from '../support/resp-client';

export interface FuzzCase {
  family: 'garbage' | 'framed-garbage' | 'valid' | 'mutated' | 'big';
  bytes: Uint8Array;
  /** Split points (mod the length): the stream is written in these pieces. */
  cuts: number[];
  /** What the client does after writing: wait for answers, or hang up at once. */
  ending: 'wait' | 'destroy' | 'half-close';
}

export interface FuzzOptions {
  port: number;
  cases: number;
  seed: number;
  /** False once the proxy has died (child process); in-process, a crash fails the run itself. */
  alive?: () => boolean;
  /** How long one case may take to settle before it counts as hung. */
  caseTimeoutMs?: number;
  progress?: (done: number) => void;
}

export interface FuzzReport {
  seed: number;
  /** Cases executed, shrinking runs included. */
  casesRun: number;
  bytesSent: number;
  repliesReceived: number;
  /** How cases ended: open (all answered), protocol-error, quit, client hung up. */
  outcomes: Record<string, number>;
  /** Protocol errors by message (numbers elided). */
  protocolErrors: Record<string, number>;
  families: Record<string, number>;
  /** fast-check's report of a failing (shrunk) case, if any. */
  failure: string | null;
  ms: number;
}

// ---- generators -------------------------------------------------------------

const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const key = fc.oneof(fc.constantFrom('fuzz:a', 'fuzz:b', 'fuzz:c', ''), bytes(8).map((b) => Buffer.from(b).toString('latin1')));
const value = fc.oneof(
  fc.constantFrom('', 'v', '\x00\xff\r\n', '"quoted"', "it's"),
  bytes(64).map((b) => Buffer.from(b).toString('latin1')),
);

/** Commands a client might send (never FLUSHALL: the canaries must survive). */
const w = (weight: number, arbitrary: fc.Arbitrary<readonly string[]>) => ({ weight, arbitrary: arbitrary.map((t): string[] => [...t]) });
const command: fc.Arbitrary<string[]> = fc.oneof(
  w(4, fc.tuple(fc.constantFrom('GET', 'get'), key)),
  w(4, fc.tuple(fc.constantFrom('SET', 'set'), key, value)),
  w(1, fc.tuple(fc.constant('SET'), key, value, fc.constantFrom('NX', 'XX', 'EX', 'GET', 'PX', '10'))),
  w(2, fc.tuple(fc.constant('DEL'), key, key)),
  w(2, fc.oneof(fc.constant(['PING']), fc.tuple(fc.constant('PING'), value), fc.tuple(fc.constant('ECHO'), value))),
  w(1, fc.tuple(fc.constant('HELLO'), fc.constantFrom('2', '3', '4', 'x'))),
  w(
    1,
    fc.constantFrom(['CLIENT', 'SETNAME', 'fuzz'], ['CLIENT', 'GETNAME'], ['CLIENT', 'ID'], ['CLIENT', 'INFO'], ['CLIENT', 'NOPE'], ['SELECT', '0'], ['SELECT', '1'], ['INFO', 'stats'], ['COMMAND', 'COUNT'], ['CONFIG', 'GET', 'max*'], ['AUTH', 'x'], ['RESET'], ['GET'], ['SET', 'k']),
  ),
  w(1, fc.constant(['QUIT'])),
  w(1, fc.array(value, { minLength: 1, maxLength: 4 })),
);

/** Inline form when the words survive it (no blanks, quotes or line breaks). */
function encodeInline(argv: readonly string[]): Buffer | null {
  if (argv.some((a) => a === '' || /[\s"'\\]/.test(a) || /[^\x21-\x7e]/.test(a))) return null;
  return Buffer.from(`${argv.join(' ')}\r\n`, 'latin1');
}

const commands = fc.array(fc.tuple(command, fc.boolean()), { minLength: 1, maxLength: 8 }).map((cmds) =>
  Buffer.concat(cmds.map(([argv, inline]) => (inline && encodeInline(argv)) || encodeCommand(argv.map((a) => Buffer.from(a, 'latin1'))))),
);

const badLength = fc.constantFrom('-1', '-5', '0', '99999999999', '9007199254740993', '-2147483649', 'abc', '', '+3', ' 3', '3 ', '1e3', '0x10');
const splice = fc.constantFrom('*1\r\n$1\r\nx\r\n', '*0\r\n', '*-1\r\n', ':5\r\n', '+OK\r\n', '-ERR x\r\n', '$-1\r\n', '_\r\n', '%1\r\n', '\r\n', '*2\r\n*1\r\n$1\r\na\r\n$1\r\nb\r\n');

type Mutation =
  | { op: 'flip'; at: number; byte: number }
  | { op: 'delete'; at: number; len: number }
  | { op: 'insert'; at: number; data: Uint8Array }
  | { op: 'truncate'; at: number }
  | { op: 'length'; which: number; to: string }
  | { op: 'drop-crlf-byte'; which: number; lf: boolean }
  | { op: 'splice'; which: number; data: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant('flip' as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat(), len: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), data: bytes(16) }),
  fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }),
  { weight: 3, arbitrary: fc.record({ op: fc.constant('length' as const), which: fc.nat(), to: badLength }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('drop-crlf-byte' as const), which: fc.nat(), lf: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('splice' as const), which: fc.nat(), data: splice }) },
);

function positions(buf: Buffer, re: RegExp): { index: number; length: number }[] {
  const s = buf.toString('latin1');
  return [...s.matchAll(re)].map((m) => ({ index: m.index ?? 0, length: m[0].length }));
}

export function mutate(input: Buffer, m: Mutation): Buffer {
  const n = input.length;
  const at = 'at' in m ? m.at % (n + 1) : 0;
  switch (m.op) {
    case 'flip': {
      if (n === 0) return input;
      const out = Buffer.from(input);
      out[m.at % n] = m.byte;
      return out;
    }
    case 'delete':
      return Buffer.concat([input.subarray(0, at), input.subarray(at + m.len)]);
    case 'insert':
      return Buffer.concat([input.subarray(0, at), Buffer.from(m.data), input.subarray(at)]);
    case 'truncate':
      return input.subarray(0, at);
    case 'length': {
      // The digits after a '*' or '$' that starts a line.
      const found = positions(input, /(?<=(?:^|\n)[*$])-?\d+(?=\r)/g);
      if (found.length === 0) return input;
      const p = found[m.which % found.length];
      return Buffer.concat([input.subarray(0, p.index), Buffer.from(m.to, 'latin1'), input.subarray(p.index + p.length)]);
    }
    case 'drop-crlf-byte': {
      const found = positions(input, /\r\n/g);
      if (found.length === 0) return input;
      const p = found[m.which % found.length].index + (m.lf ? 1 : 0);
      return Buffer.concat([input.subarray(0, p), input.subarray(p + 1)]);
    }
    case 'splice': {
      const found = positions(input, /\r\n/g);
      const p = found.length === 0 ? 0 : found[m.which % found.length].index + 2;
      return Buffer.concat([input.subarray(0, p), Buffer.from(m.data, 'latin1'), input.subarray(p)]);
    }
  }
}

const cuts = fc.array(fc.nat(), { maxLength: 6 });
const ending = fc.constantFrom<FuzzCase['ending']>('wait', 'wait', 'wait', 'wait', 'wait', 'wait', 'destroy', 'half-close');

export const fuzzCase: fc.Arbitrary<FuzzCase> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ family: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 512 }), cuts, ending }) },
  {
    weight: 1,
    arbitrary: fc.record({
      family: fc.constant('framed-garbage' as const),
      bytes: fc.tuple(fc.constantFrom('*', '$', '*1\r\n', '*2\r\n$3\r\n', '*3\r\n$3\r\nSET\r\n'), bytes(256)).map(([p, b]) => new Uint8Array(Buffer.concat([Buffer.from(p), Buffer.from(b)]))),
      cuts,
      ending,
    }),
  },
  { weight: 2, arbitrary: fc.record({ family: fc.constant('valid' as const), bytes: commands.map((b) => new Uint8Array(b)), cuts, ending }) },
  {
    weight: 5,
    arbitrary: fc.record({
      family: fc.constant('mutated' as const),
      bytes: fc.tuple(commands, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([b, ms]) => new Uint8Array(ms.reduce(mutate, b))),
      cuts,
      ending,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      family: fc.constant('big' as const),
      // A value large enough to arrive in many reads, maybe with a wrong length.
      bytes: fc.tuple(fc.integer({ min: 10_000, max: 300_000 }), fc.option(mutation, { freq: 2 })).map(([size, m]) => {
        const b = encodeCommand(['SET', 'fuzz:big', Buffer.alloc(size, 'b')]);
        return new Uint8Array(m ? mutate(b, m) : b);
      }),
      cuts: fc.array(fc.nat(), { maxLength: 20 }),
      ending,
    }),
  },
);

// ---- running ----------------------------------------------------------------

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Canary {
  key: Buffer;
  value: Buffer;
}

/** One connection's view of itself on the server (CLIENT LIST), or null if gone. */
async function serverEntry(probe: RawClient, c: RawClient): Promise<Record<string, string> | null> {
  const r = await probe.call('CLIENT', 'LIST');
  if (r.t !== 'bulk') throw new Error(`CLIENT LIST failed: ${JSON.stringify(plain(r))}`);
  const addr = `addr=127.0.0.1:${c.socket.localPort} `;
  const line = r.v.toString('latin1').split('\n').find((l) => l.includes(addr));
  return line ? Object.fromEntries(line.split(' ').map((kv) => kv.split(/=(.*)/s, 2) as [string, string])) : null;
}

function isProtocolError(r: Resp): boolean {
  return r.t === 'error' && r.v.startsWith('ERR Protocol error: ');
}

class CaseFailure extends Error {}

export async function runFuzz(opts: FuzzOptions): Promise<FuzzReport> {
  const started = Date.now();
  const timeoutMs = opts.caseTimeoutMs ?? 10_000;
  const report: FuzzReport = { seed: opts.seed, casesRun: 0, bytesSent: 0, repliesReceived: 0, outcomes: {}, protocolErrors: {}, families: {}, failure: null, ms: 0 };
  const count = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);

  const probe = await RawClient.connect(opts.port);
  // Longer than any key the generator makes, and unguessable.
  const canaries: Canary[] = [Buffer.from('v'), Buffer.from([0, 0xff, 13, 10]), Buffer.alloc(0), cryptoRandomBytes(1000)].map((v, i) => ({
    key: Buffer.from(`fuzz-canary:${i}:${cryptoRandomBytes(12).toString('hex')}`),
    value: v,
  }));
  for (const c of canaries) expectReply(await probe.call('SET', c.key, c.value), { t: 'simple', v: 'OK' }, 'canary SET');

  const checkWorld = async (when: string) => {
    if (opts.alive && !opts.alive()) throw new CaseFailure(`the proxy died (${when})`);
    if (probe.isClosed) throw new CaseFailure(`the well-behaved connection was closed (${when})`);
    expectReply(await probe.call('PING'), { t: 'simple', v: 'PONG' }, `probe PING ${when}`);
    const c = canaries[report.casesRun % canaries.length];
    expectReply(await probe.call('GET', c.key), { t: 'bulk', v: c.value }, `canary GET ${when}`);
  };

  const runCase = async (fcase: FuzzCase): Promise<void> => {
    report.casesRun++;
    count(report.families, fcase.family);
    const data = Buffer.from(fcase.bytes);
    const c = await RawClient.connect(opts.port);
    try {
      const points = [...new Set(fcase.cuts.map((x) => x % (data.length + 1)))].sort((a, b) => a - b);
      let prev = 0;
      for (const p of [...points, data.length]) {
        if (p > prev) c.write(data.subarray(prev, p));
        prev = p;
        // Let the server read each piece separately (usually).
        await new Promise((r) => setImmediate(r));
      }
      report.bytesSent += data.length;
      if (fcase.ending === 'destroy') {
        c.close();
        count(report.outcomes, 'client hung up');
      } else if (fcase.ending === 'half-close') {
        c.socket.end();
        await c.waitForClose(timeoutMs).catch(() => {
          throw new CaseFailure('a half-closed connection was never closed by the server');
        });
        count(report.outcomes, 'client half-closed');
      } else {
        await settle(probe, c, timeoutMs);
        // The server's FIN may trail its last reply a little.
        const last = c.replies[c.replies.length - 1];
        if (last && (isProtocolError(last) || (last.t === 'simple' && last.v === 'OK' && /quit/i.test(data.toString('latin1'))))) {
          await c.waitForClose(isProtocolError(last) ? timeoutMs : 50).catch(() => undefined);
        }
        checkOutcome(c, data, report);
      }
      if (c.formatError) throw new CaseFailure(`malformed RESP from the server: ${c.formatError.message}`);
      report.repliesReceived += c.replies.length;
      await checkWorld(`after case ${report.casesRun}`);
    } finally {
      c.close();
    }
    opts.progress?.(report.casesRun);
  };

  const details = await fc.check(fc.asyncProperty(fuzzCase, runCase), { numRuns: opts.cases, seed: opts.seed });
  if (details.failed) {
    const why = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    report.failure = `${why}\n${fc.defaultReportMessage(details) ?? ''}`;
  }
  // The canaries, all of them, once more at the end.
  for (const c of canaries) expectReply(await probe.call('GET', c.key), { t: 'bulk', v: c.value }, 'canary GET at the end');
  probe.close();
  report.ms = Date.now() - started;
  return report;
}

function expectReply(got: Resp, want: Resp, what: string): void {
  if (JSON.stringify(plain(got)) !== JSON.stringify(plain(want)) || got.t !== want.t) {
    throw new CaseFailure(`${what}: expected ${JSON.stringify(plain(want))}, got ${JSON.stringify(plain(got))}`);
  }
}

/**
 * Waits until the server closed the connection, or has read everything sent,
 * has nothing pending, and everything it wrote has arrived.
 */
async function settle(probe: RawClient, c: RawClient, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (c.isClosed) return;
    const e = await serverEntry(probe, c);
    // Not listed: not accepted yet (a child process may lag), or gone and the
    // close is on its way. Either way, look again.
    if (e === null) {
      if (Date.now() > deadline) throw new CaseFailure(`the connection was never listed by the server nor closed in ${timeoutMs} ms`);
      await sleep(1);
      continue;
    }
    if (e.pipeline === '0' && Number(e['tot-net-in']) === c.sent && Number(e['tot-net-out']) === c.received && c.pendingBytes === 0) return;
    if (c.formatError) return;
    if (Date.now() > deadline) throw new CaseFailure(`the connection did not settle in ${timeoutMs} ms: ${JSON.stringify(e)}, sent ${c.sent}, received ${c.received}`);
    await sleep(1);
  }
}

function checkOutcome(c: RawClient, data: Buffer, report: FuzzReport): void {
  const count = (m: Record<string, number>, k: string) => (m[k] = (m[k] ?? 0) + 1);
  const errIndex = c.replies.findIndex(isProtocolError);
  if (errIndex >= 0 && errIndex !== c.replies.length - 1) throw new CaseFailure(`replies after a protocol error: ${JSON.stringify(c.replies.slice(errIndex).map(plain))}`);
  const last = c.replies[c.replies.length - 1];
  if (!c.isClosed) {
    if (errIndex >= 0) throw new CaseFailure('a protocol error did not close the connection');
    count(report.outcomes, 'open, everything answered');
    return;
  }
  if (c.pendingBytes > 0) throw new CaseFailure(`closed in the middle of a reply (${c.pendingBytes} bytes)`);
  if (last && isProtocolError(last)) {
    count(report.outcomes, 'protocol error, closed');
    const kind = last.t === 'error' ? last.v.replace(/^ERR Protocol error: /, '') : '';
    // Group by kind: numbers elided, and any byte that is not a RESP type byte is just "a byte".
    count(report.protocolErrors, kind.replace(/got '(\\x[0-9a-f]{2}|[^*:+\-%_#,(!=~>$])'/, 'got another byte').replace(/\d+/g, 'N'));
  } else if (last && last.t === 'simple' && last.v === 'OK' && /quit/i.test(data.toString('latin1'))) {
    count(report.outcomes, 'QUIT');
  } else {
    throw new CaseFailure(`closed without a protocol error or QUIT; last reply ${JSON.stringify(last ? plain(last) : null)}`);
  }
}

export function formatReport(r: FuzzReport): string {
  const table = (m: Record<string, number>) =>
    Object.entries(m)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `    ${String(v).padStart(7)}  ${k}`)
      .join('\n');
  return [
    `fuzz: ${r.casesRun} cases (seed ${r.seed}) in ${(r.ms / 1000).toFixed(1)} s; ${r.bytesSent} bytes sent, ${r.repliesReceived} replies, all well-formed RESP${r.failure ? ' until the failure' : ''}`,
    '  case families:',
    table(r.families),
    '  outcomes:',
    table(r.outcomes),
    '  protocol errors:',
    table(r.protocolErrors),
    r.failure ? `  FAILURE:\n${r.failure}` : '  no property violated: the proxy stayed up, the probe connection kept answering, the canaries kept their values',
  ].join('\n');
}
