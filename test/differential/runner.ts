/**
 * Runs one command sequence on valthree and on redis-server, step by step,
 * and compares each pair of replies (allow-list.ts says how). Each sequence
 * runs twice: over RESP2, and over RESP3 (a connection that sent HELLO 3),
 * each time on an empty keyspace (FLUSHALL both, SELECT 0).
 */
import { RawClient, type Resp } from '../support/resp-client';
import { compareReplies, exact, show, type CompareContext, type Observed, type SideName } from './allow-list';
import { compareExec, MultiTracker } from './transactions';
import { argBytes, FEATURE_PROBES, GENERATORS, isTtl, KEYS, resolveTtl, SHORT_TTL_PAUSE_MS, showArg, showStep, type Feature, type Step } from './commands';

export type Proto = 2 | 3;

/** One connection that also keeps the bytes of each reply (for the byte-for-byte comparison). */
class Conn {
  private chunks: Buffer[] = [];

  private constructor(readonly client: RawClient) {
    client.socket.on('data', (d: Buffer) => this.chunks.push(d));
  }

  static async open(port: number, proto: Proto): Promise<Conn> {
    const c = new Conn(await RawClient.connect(port));
    if (proto === 3) {
      const hello = await c.call([Buffer.from('HELLO'), Buffer.from('3')]);
      if (hello.resp.t !== 'map') throw new Error(`HELLO 3 on port ${port} answered ${show(hello.resp)}`);
    }
    return c;
  }

  /** One command, one reply: nothing else is in flight, so every byte received meanwhile is this reply's. */
  async call(argv: readonly Buffer[]): Promise<Observed> {
    this.chunks = [];
    const resp = await this.client.call(...argv);
    return { resp, raw: Buffer.concat(this.chunks) };
  }

  get closed(): boolean {
    return this.client.isClosed;
  }

  close(): void {
    this.client.close();
  }
}

export class Mismatch extends Error {}

export interface DifferentialSetup {
  /** valthree's COMMAND LIST. */
  readonly listed: ReadonlySet<string>;
  /** Commands the generator uses: in GENERATORS and listed by valthree. */
  readonly commands: readonly string[];
  readonly features: ReadonlySet<Feature>;
  /** redis-server's arity of each used command (for the wrong-arity forms). */
  readonly arity: ReadonlyMap<string, number>;
}

const b = (s: string | Buffer) => argBytes(s);

/** Reads what valthree implements: its COMMAND LIST, then one probe per feature (FEATURE_PROBES). */
export async function discover(valthreePort: number, redisPort: number): Promise<DifferentialSetup> {
  const [v, r] = await Promise.all([Conn.open(valthreePort, 2), Conn.open(redisPort, 2)]);
  try {
    const list = (await v.call([b('COMMAND'), b('LIST')])).resp;
    if (list.t !== 'array') throw new Error(`COMMAND LIST answered ${show(list)}`);
    const listed = new Set(list.v.map((x) => (x.t === 'bulk' ? x.v.toString('latin1').toLowerCase() : '')));
    const commands = Object.keys(GENERATORS).filter((c) => listed.has(c));
    const features = new Set<Feature>();
    for (const [feature, probe] of Object.entries(FEATURE_PROBES) as [Feature, (typeof FEATURE_PROBES)[Feature]][]) {
      if (!listed.has(probe.requires)) continue;
      const reply = await v.call(probe.argv.map(b));
      if (reply.resp.t !== 'error') features.add(feature);
      if (probe.undo) await v.call(probe.undo.map(b));
    }
    await v.call([b('FLUSHALL')]);
    const arity = new Map<string, number>();
    for (const c of commands) {
      const info = (await r.call([b('COMMAND'), b('INFO'), b(c)])).resp;
      const entry = info.t === 'array' ? info.v[0] : undefined;
      const n = entry?.t === 'array' ? entry.v[1] : undefined;
      if (n?.t !== 'int') throw new Error(`redis-server has no COMMAND INFO for ${c}: ${show(info)}`);
      arity.set(c, Number(n.v));
    }
    return { listed, commands, features, arity };
  } finally {
    v.close();
    r.close();
  }
}

interface Pair {
  valthree: Conn;
  redis: Conn;
}

export interface RunStats {
  sequences: number;
  steps: number;
  /** Steps sent, by command name. */
  byCommand: Record<string, number>;
  /** How often each allow-list entry was consulted. */
  allowances: Record<string, number>;
}

/**
 * The two servers and a connection pair per protocol, reused across
 * sequences (a fresh connection per sequence would cost more than the
 * commands). A pair that a server closed is reopened for the next sequence.
 */
export class Differential {
  private pairs = new Map<Proto, Pair>();
  readonly stats: RunStats = { sequences: 0, steps: 0, byCommand: {}, allowances: {} };

  constructor(
    readonly valthreePort: number,
    readonly redisPort: number,
    readonly setup: DifferentialSetup,
  ) {}

  private async pair(proto: Proto): Promise<Pair> {
    const p = this.pairs.get(proto);
    if (p && !p.valthree.closed && !p.redis.closed) return p;
    p?.valthree.close();
    p?.redis.close();
    const [valthree, redis] = await Promise.all([Conn.open(this.valthreePort, proto), Conn.open(this.redisPort, proto)]);
    const fresh = { valthree, redis };
    this.pairs.set(proto, fresh);
    return fresh;
  }

  close(): void {
    for (const p of this.pairs.values()) {
      p.valthree.close();
      p.redis.close();
    }
    this.pairs.clear();
  }

  /** Runs the sequence over RESP2, then RESP3; throws a Mismatch with the transcript at the first difference. */
  async run(steps: readonly Step[]): Promise<void> {
    this.stats.sequences++;
    for (const proto of [2, 3] as const) await this.runOn(proto, steps);
  }

  private async runOn(proto: Proto, steps: readonly Step[]): Promise<void> {
    const pair = await this.pair(proto);
    const transcript: string[] = [];
    const send = async (side: SideName, argv: readonly Buffer[]): Promise<Observed> => {
      const conn = side === 'valthree' ? pair.valthree : pair.redis;
      if (conn.closed) throw new Mismatch(`${header()}\n${transcript.join('\n')}\n${side} closed the connection`);
      return conn.call(argv);
    };
    const header = () => `RESP${proto}, after FLUSHALL:`;
    for (const side of ['valthree', 'redis'] as const) {
      // A transaction the last sequence left open, and its WATCHes, end first (an error when there is none).
      for (const argv of [['DISCARD'], ['UNWATCH']]) await send(side, argv.map(b));
      for (const argv of [['SELECT', '0'], ['FLUSHALL']]) {
        const r = await send(side, argv.map(b));
        if (r.resp.t === 'error') throw new Error(`${side}: ${argv.join(' ')} answered ${show(r.resp)}`);
      }
    }
    let expiredKeysPossible = false;
    const multi = new MultiTracker();
    const compare = async (label: string, argv: Buffer[]): Promise<void> => {
      const [ours, theirs] = await Promise.all([send('valthree', argv), send('redis', argv)]);
      const name = argv[0].toString('latin1').toLowerCase();
      const queued = multi.looseExec(name);
      const ctx: CompareContext = {
        argv,
        ours,
        theirs,
        call: (side, ...args) => send(side, args.map(b)),
        expiredKeysPossible,
        features: this.setup.features,
        listed: this.setup.listed,
        keys: KEYS,
      };
      const verdict = multi.queuing(name) ? exact(ours, theirs) : queued ? compareExec(queued, ours, theirs) : await compareReplies(ctx);
      multi.observe(name, argv, theirs.resp);
      transcript.push(`  ${label}  →  valthree ${show(ours.resp)}${verdict === null && ours.raw.equals(theirs.raw) ? '' : `  |  redis ${show(theirs.resp)}`}`);
      if (verdict !== null) throw new Mismatch(`${header()}\n${transcript.join('\n')}\ndifference: ${verdict}`);
    };

    for (let i = 0; i < steps.length; i++) {
      const step = steps[i];
      const now = Date.now();
      const argv = [b(step.name), ...step.args.map((a) => (isTtl(a) ? b(resolveTtl(a, i, now)) : b(a)))];
      const name = step.name.toLowerCase();
      this.stats.steps++;
      this.stats.byCommand[name] = (this.stats.byCommand[name] ?? 0) + 1;
      await compare(showStep(step), argv);
      // A short expiry (2 ms) has passed on both servers once this pause is over; a past one at once.
      if (step.args.some((a) => isTtl(a) && a.ttl === 'short')) await sleep(SHORT_TTL_PAUSE_MS);
      if (step.args.some((a) => isTtl(a) && (a.ttl === 'short' || a.ttl === 'past'))) expiredKeysPossible = true;
    }

    // The final state, whether or not a step looked at it: every key of the pool, in database 0 and in any other the sequence named.
    if (steps.some((s) => s.name.toLowerCase() === 'multi')) await compare('(final) DISCARD', [b('DISCARD')]);
    const dbs = ['0'];
    if (this.setup.features.has('dbs') && steps.some((s) => DB_COMMANDS.has(s.name.toLowerCase()))) dbs.push('1', '2');
    for (const db of dbs) {
      await compare(`(final) SELECT ${db}`, [b('SELECT'), b(db)]);
      if (this.setup.listed.has('mget')) await compare(`(final) MGET ${KEYS.map(quoted).join(' ')}`, [b('MGET'), ...KEYS]);
      else for (const k of KEYS) await compare(`(final) GET ${quoted(k)}`, [b('GET'), k]);
      if (this.setup.listed.has('pttl')) for (const k of KEYS) await compare(`(final) PTTL ${quoted(k)}`, [b('PTTL'), k]);
      if (this.setup.listed.has('zrange')) for (const k of KEYS) await compare(`(final) ZRANGE ${quoted(k)} 0 -1 WITHSCORES`, [b('ZRANGE'), k, b('0'), b('-1'), b('WITHSCORES')]);
    }
  }
}

const quoted = (k: Buffer) => showArg(k);

/** Commands that can put keys in another database (the generator names databases 1 and 2 only). */
const DB_COMMANDS = new Set(['select', 'move', 'copy', 'swapdb']);

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** For messages: a reply in one line. */
export const showResp = (r: Resp) => show(r);
