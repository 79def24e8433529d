/**
 * A local stand-in for Lambda's execution model: each environment runs one
 * batch at a time and keeps its own warm cache; concurrent invocations get
 * more environments. Used by the proxy's in-process executor and by the test
 * emulator's Invoke API, so both behave like the real service.
 */
import type { BatchRequest, BatchResponse } from './contract';

/** Requests and responses are the wire's (the emulator) or typed (the in-process executor): the runtime does not look. */
interface Environment<Req, Res> {
  run: (req: Req) => Promise<Res>;
  /** Batches running or queued here; the environment is idle at 0. */
  load: number;
  /** Tail of this environment's queue: one batch at a time, whatever `run` does. */
  tail: Promise<unknown>;
}

export class LocalLambda<Req = BatchRequest, Res = BatchResponse> {
  private readonly idle: Environment<Req, Res>[] = [];
  private readonly all: Environment<Req, Res>[] = [];

  /** `create` builds one execution environment (handler with its own cache). */
  constructor(private readonly create: () => (req: Req) => Promise<Res>, private readonly maxEnvironments = 64) {}

  get environments(): number {
    return this.all.length;
  }

  async invoke(req: Req): Promise<Res> {
    const env = this.idle.pop() ?? this.spawn();
    env.load++;
    const result = env.tail.then(() => env.run(req));
    env.tail = result.catch(() => undefined);
    try {
      return await result;
    } finally {
      // Idle again only when nothing else is queued on it.
      if (--env.load === 0) this.idle.push(env);
    }
  }

  private spawn(): Environment<Req, Res> {
    // Past the cap, queue behind the least busy environment (Lambda would throttle instead).
    if (this.all.length >= this.maxEnvironments) return this.all.reduce((a, b) => (b.load < a.load ? b : a));
    const env: Environment<Req, Res> = { run: this.create(), load: 0, tail: Promise.resolve() };
    this.all.push(env);
    return env;
  }
}
