/**
 * Long fuzz runs: `npm run fuzz -- --cases 10000 --seed 42`.
 * Starts a proxy over a temporary data directory (in this process, or as a
 * child process with --spawn), fuzzes it, prints what happened, exits 1 if a
 * property was violated.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatReport, runFuzz } from './fuzz';
import { spawnProxy, startProxy } from '../support/proxy-harness';

const HELP = `usage: npm run fuzz -- [--cases N] [--seed S] [--spawn]

  --cases N   fuzz cases to run (default 1000)
  --seed S    fast-check seed (default: random, printed; rerun with it to replay)
  --spawn     fuzz a proxy in a child process (proves "never crashes" across processes)
  --help      this text
`;

function parse(argv: string[]): { cases: number; seed: number; spawn: boolean } {
  const out = { cases: 1000, seed: Math.floor(Math.random() * 2 ** 31), spawn: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (a === '--spawn') out.spawn = true;
    else if (a === '--cases' || a === '--seed') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < 0) throw new Error(`${a} needs a non-negative integer`);
      if (a === '--cases') out.cases = n;
      else out.seed = n;
    } else throw new Error(`unknown argument ${a}\n\n${HELP}`);
  }
  return out;
}

async function main(): Promise<void> {
  let args;
  try {
    args = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-fuzz-'));
  const crashes: Error[] = [];
  let port: number;
  let alive = () => crashes.length === 0;
  let stop: () => Promise<unknown>;
  if (args.spawn) {
    const child = await spawnProxy(['--data-dir', dir]);
    port = child.port;
    alive = () => child.child.exitCode === null && child.child.signalCode === null;
    stop = async () => {
      child.child.kill('SIGTERM');
      return child.exited;
    };
  } else {
    // In this process, a crash of the proxy is an uncaught exception here.
    process.on('uncaughtException', (e) => crashes.push(e));
    const proxy = await startProxy(['--data-dir', dir]);
    port = proxy.port;
    stop = () => proxy.close();
  }
  process.stderr.write(`fuzzing ${args.spawn ? 'a child' : 'an in-process'} proxy on port ${port}: ${args.cases} cases, seed ${args.seed}\n`);
  const report = await runFuzz({
    port,
    cases: args.cases,
    seed: args.seed,
    alive,
    progress: (n) => {
      if (n % 500 === 0) process.stderr.write(`  ${n} cases\n`);
    },
  });
  await stop();
  fs.rmSync(dir, { recursive: true, force: true });
  process.stdout.write(`${formatReport(report)}\n`);
  if (crashes.length > 0) process.stdout.write(`uncaught exceptions in the proxy:\n${crashes.map((e) => e.stack).join('\n')}\n`);
  process.exit(report.failure || crashes.length > 0 ? 1 : 0);
}

main().catch((e: Error) => {
  process.stderr.write(`fuzz: ${e.stack ?? e.message}\n`);
  process.exit(1);
});
