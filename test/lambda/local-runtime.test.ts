/** LocalLambda: Lambda's execution model in-process (one batch at a time per environment, more environments for concurrency). */
import { CONTRACT_VERSION, type BatchRequest, type BatchResponse } from '../../lambda/contract';
import { createHandler, type BatchHandler } from '../../lambda/handler';
import { LocalLambda } from '../../lambda/local-runtime';
import { MemoryStore } from '../support/memory-store';
import { batch, repliesOf } from './util';

interface Probe {
  envs: { id: number; inFlight: number; maxInFlight: number; served: string[] }[];
  release(): void;
}

/** Environments that record their concurrency and hold each batch until released (or until the next tick). */
function probe(hold: boolean): { create: () => BatchHandler; probe: Probe } {
  let gate: () => void = () => undefined;
  let gated = new Promise<void>((r) => (gate = r));
  const p: Probe = {
    envs: [],
    release() {
      gate();
      gated = new Promise<void>((r) => (gate = r));
    },
  };
  const create = (): BatchHandler => {
    const env = { id: p.envs.length, inFlight: 0, maxInFlight: 0, served: [] as string[] };
    p.envs.push(env);
    // No queue of its own: the runtime alone must keep it to one batch at a time.
    return async (req: BatchRequest): Promise<BatchResponse> => {
      env.inFlight++;
      env.maxInFlight = Math.max(env.maxInFlight, env.inFlight);
      await (hold ? gated : new Promise((r) => setImmediate(r)));
      env.served.push(req.batchId);
      env.inFlight--;
      return { v: CONTRACT_VERSION, batchId: req.batchId, ok: true, sessions: [], stats: { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: env.id, replayed: false } };
    };
  };
  return { create, probe: p };
}

const req = (id: string) => batch(id, [['PING']]);
const tick = () => new Promise((r) => setImmediate(r));

describe('LocalLambda', () => {
  it('runs concurrent invocations on separate environments', async () => {
    const { create, probe: p } = probe(true);
    const lambda = new LocalLambda(create);
    const pending = ['a', 'b', 'c'].map((id) => lambda.invoke(req(id)));
    await tick();
    expect(lambda.environments).toBe(3);
    expect(p.envs.map((e) => e.inFlight)).toEqual([1, 1, 1]);
    p.release();
    const results = await Promise.all(pending);
    expect(results.map((r) => r.batchId)).toEqual(['a', 'b', 'c']);
  });

  it('reuses a warm environment for sequential invocations', async () => {
    const { create, probe: p } = probe(false);
    const lambda = new LocalLambda(create);
    for (const id of ['a', 'b', 'c']) await lambda.invoke(req(id));
    expect(lambda.environments).toBe(1);
    expect(p.envs[0].served).toEqual(['a', 'b', 'c']);
  });

  it('past the environment cap, an environment still runs one batch at a time', async () => {
    const { create, probe: p } = probe(false);
    const lambda = new LocalLambda(create, 2);
    const ids = Array.from({ length: 12 }, (_, i) => `b${i}`);
    const results = await Promise.all(ids.map((id) => lambda.invoke(req(id))));
    expect(results.map((r) => r.batchId)).toEqual(ids);
    expect(lambda.environments).toBe(2);
    expect(p.envs.map((e) => e.maxInFlight)).toEqual([1, 1]);
    expect(p.envs.flatMap((e) => e.served).sort()).toEqual([...ids].sort());
  });

  it('a failing invocation does not poison its environment', async () => {
    let calls = 0;
    const lambda = new LocalLambda(() => async (r: BatchRequest) => {
      if (calls++ === 0) throw new Error('boom');
      return { v: CONTRACT_VERSION, batchId: r.batchId, ok: true, sessions: [], stats: { s3Gets: 0, s3Puts: 0, conflicts: 0, keys: 0, replayed: false } };
    });
    await expect(lambda.invoke(req('a'))).rejects.toThrow('boom');
    await expect(lambda.invoke(req('b'))).resolves.toMatchObject({ ok: true });
    expect(lambda.environments).toBe(1);
  });

  it('with real handlers over one store: each environment keeps its own warm cache, and all see one database', async () => {
    const store = new MemoryStore();
    const lambda = new LocalLambda(() => createHandler({ store, sleep: async () => undefined }));
    const writes = await Promise.all(Array.from({ length: 8 }, (_, i) => lambda.invoke(batch(`w${i}`, [['SET', `k${i}`, String(i)]]))));
    expect(writes.every((r) => r.ok)).toBe(true);
    expect(lambda.environments).toBeGreaterThan(1);
    const read = await lambda.invoke(batch('r', [['GET', 'k0'], ['GET', 'k7']]));
    expect(repliesOf(read)[0].map((r) => (r.t === 'bulk' ? Buffer.from(r.v, 'base64').toString() : r.t))).toEqual(['0', '7']);
  });
});
