/**
 * What a Lua script costs on fengari: the cold start (loading fengari and
 * building the sandboxed state, then the first script), a script compiled for
 * the first time, and a cached one, for a typical limiter script
 * (rate-limit-redis's: INCR, PTTL, PEXPIRE) run through the engine on a
 * document. No assertions: figures for the README and the closing note.
 *
 *   npx tsx test/bench/script-cost.ts [--runs N]
 */
import { performance } from 'node:perf_hooks';

const LIMITER = `local totalHits = redis.call("INCR", KEYS[1])
local timeToExpire = redis.call("PTTL", KEYS[1])
if timeToExpire <= 0 or ARGV[1] == "1" then
  redis.call("PEXPIRE", KEYS[1], tonumber(ARGV[2]))
  timeToExpire = tonumber(ARGV[2])
end
return { totalHits, timeToExpire }`;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
}

async function main(): Promise<void> {
  const runs = arg('runs', 5000);
  const t0 = performance.now();
  const { Document } = await import('../../lambda/document');
  const { contextFor, executeOne } = await import('../../lambda/engine');
  const { Keyspace, Touched } = await import('../../lambda/commands/context');
  const loaded = performance.now();
  const doc = Document.empty();
  doc.begin();
  const ctx = contextFor(new Keyspace(doc, new Touched(), 0, Date.now()), Infinity);
  const evalArgv = (body: string, key: string) => [body, '1', key, '0', '60000'].map((w) => Buffer.from(w));
  const eval1 = (body: string, key: string) => executeOne(ctx, [Buffer.from('EVAL'), ...evalArgv(body, key)]);
  const first = eval1(LIMITER, 'rl:0');
  const firstDone = performance.now();
  if (first.t === 'error') throw new Error(first.v);

  const cachedStart = performance.now();
  for (let i = 0; i < runs; i++) eval1(LIMITER, `rl:${i % 100}`);
  const cachedUs = ((performance.now() - cachedStart) * 1000) / runs;

  const compiles = Math.max(1, Math.floor(runs / 10));
  const compileStart = performance.now();
  for (let i = 0; i < compiles; i++) eval1(`${LIMITER}\n-- ${i}`, `rl:${i % 100}`);
  const compileUs = ((performance.now() - compileStart) * 1000) / compiles;

  const incrStart = performance.now();
  for (let i = 0; i < runs; i++) executeOne(ctx, [Buffer.from('INCR'), Buffer.from(`rl:${i % 100}`)]);
  const incrUs = ((performance.now() - incrStart) * 1000) / runs;

  console.log(`modules loaded (engine, fengari): ${(loaded - t0).toFixed(1)} ms`);
  console.log(`first EVAL (fengari state + sandbox + compile + run): ${(firstDone - loaded).toFixed(1)} ms`);
  console.log(`limiter EVAL, cached: ${cachedUs.toFixed(1)} µs per script (${runs} runs)`);
  console.log(`limiter EVAL, compiled first: ${compileUs.toFixed(1)} µs per script (${compiles} runs)`);
  console.log(`for scale, one INCR: ${incrUs.toFixed(1)} µs`);
}

void main();
