/**
 * End to end: proxy → Lambda Invoke (the emulator, over HTTP, with the real
 * SDK) → a function that runs the real handler, then garbles its answer for
 * some batches. The commands of a garbled batch get `-UNKNOWN …` (the batch
 * ran, or not: nobody can tell), the connection stays open, and every other
 * batch is answered as usual.
 */
import type { BatchRequest, BatchResponse } from '../../lambda/contract';
import { createHandler } from '../../lambda/handler';
import { lambdaEnv } from '../e2e/backends';
import { startEmulator, type Emulator } from '../support/emulator';
import { MemoryStore } from '../support/memory-store';
import { startProxy, type RunningProxy } from '../support/proxy-harness';
import { RawClient, plain } from '../support/resp-client';

type Garble = (res: BatchResponse & { ok: true }) => unknown;

/** What the function does to its answer when a command's key names it (`poison:<kind>`). */
const GARBLES: Record<string, Garble> = {
  'missing-sessions': (res) => ({ ...res, sessions: undefined }),
  'omitted-session': (res) => ({ ...res, sessions: [] }),
  'wrong-shape': (res) => ({ ...res, sessions: res.sessions.map((s) => ({ id: s.id, replies: s.replies.map(() => ({ t: 'bulk', v: { not: 'base64' } })) })) }),
  'foreign-session': (res) => ({ ...res, sessions: res.sessions.map((s) => ({ ...s, id: `${s.id}-not-sent` })) }),
  'too-many-replies': (res) => ({ ...res, sessions: res.sessions.map((s) => ({ ...s, replies: [...s.replies, { t: 'simple', v: 'OK' }] })) }),
  'string': () => 'not a response',
  'another-batch': (res) => ({ ...res, batchId: 'someone-else' }),
};

function poisonOf(req: BatchRequest): Garble | undefined {
  for (const s of req.sessions) {
    for (const c of s.commands) {
      const key = c[1] === undefined ? '' : Buffer.from(c[1], 'base64').toString();
      if (key.startsWith('poison:')) return GARBLES[key.slice('poison:'.length)];
    }
  }
  return undefined;
}

let emu: Emulator;
let proxy: RunningProxy;

beforeAll(async () => {
  const real = createHandler({ store: new MemoryStore() });
  emu = await startEmulator({
    function: {
      handler: async (req) => {
        const res = await real(req);
        const garble = poisonOf(req);
        return (garble && res.ok ? garble(res) : res) as BatchResponse;
      },
    },
  });
  proxy = await startProxy(['--function', emu.functionName], { env: lambdaEnv(emu) });
});

afterAll(async () => {
  await proxy?.close();
  await emu?.close();
});

test.each(Object.keys(GARBLES))('a response garbled as "%s": UNKNOWN for its commands, the connection and other batches fine', async (kind) => {
  const bystander = await RawClient.connect(proxy.port);
  const victim = await RawClient.connect(proxy.port);
  try {
    expect(plain(await bystander.call('SET', `fine:${kind}`, 'before'))).toBe('OK');
    const unknownBefore = proxy.server.metrics.batchFailuresUnknown;
    for (const cmd of [['SET', `poison:${kind}`, 'x'], ['GET', `poison:${kind}`]]) {
      const reply = plain(await victim.call(...cmd));
      expect(reply).toEqual({ error: expect.stringMatching(/^UNKNOWN outcome unknown: /) });
      if (kind !== 'omitted-session') expect((reply as { error: string }).error).toContain('Lambda returned a malformed response');
    }
    if (kind !== 'omitted-session') expect(proxy.server.metrics.batchFailuresUnknown).toBe(unknownBefore + 2);
    // The connection that got the garbage is still served.
    expect(plain(await victim.call('PING'))).toBe('PONG');
    expect(plain(await victim.call('GET', `fine:${kind}`))).toBe('before');
    expect(plain(await bystander.call('SET', `fine:${kind}`, 'after'))).toBe('OK');
    expect(plain(await bystander.call('GET', `fine:${kind}`))).toBe('after');
    expect(victim.isClosed || bystander.isClosed).toBe(false);
  } finally {
    victim.close();
    bystander.close();
  }
});

test('no connection was closed for an internal error', () => {
  expect(proxy.server.metrics.internalErrors).toBe(0);
});
