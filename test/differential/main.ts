/**
 * Long differential runs: `npm run differential -- --runs 100000 --seed 7`.
 * Starts redis-server and an in-process valthree, runs that many random
 * sequences, prints the count and, on a difference, fast-check's shrunk
 * counterexample with the transcript of replies; exits 1 on a difference.
 */
import { runDifferential } from './property';
import { startTargets } from './harness';

const HELP = `usage: npm run differential -- [--runs N] [--seed S] [--max-commands M] [--self]

  --runs N           sequences to run (default 1000)
  --seed S           fast-check seed (default: random, printed; rerun with it to replay)
  --max-commands M   longest sequence (default 12)
  --self             compare redis-server with a second redis-server (checks the test itself)
  --help             this text
`;

interface CliOptions {
  runs: number;
  seed: number;
  maxCommands: number;
  self: boolean;
}

function parse(argv: string[]): CliOptions {
  const out: CliOptions = { runs: 1000, seed: Math.floor(Math.random() * 2 ** 31), maxCommands: 12, self: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--help' || a === '-h') {
      process.stdout.write(HELP);
      process.exit(0);
    } else if (a === '--self') out.self = true;
    else if (a === '--runs' || a === '--seed' || a === '--max-commands') {
      const n = Number(argv[++i]);
      if (!Number.isInteger(n) || n < (a === '--seed' ? 0 : 1)) throw new Error(`${a} needs a ${a === '--seed' ? 'non-negative' : 'positive'} integer`);
      if (a === '--runs') out.runs = n;
      else if (a === '--seed') out.seed = n;
      else out.maxCommands = n;
    } else throw new Error(`unknown argument ${a}\n\n${HELP}`);
  }
  return out;
}

async function main(): Promise<void> {
  let opts: CliOptions;
  try {
    opts = parse(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    process.exit(2);
  }
  const targets = await startTargets({ self: opts.self });
  const { setup } = targets.diff;
  console.log(`seed=${opts.seed} runs=${opts.runs} max-commands=${opts.maxCommands}${opts.self ? ' (redis-server against itself)' : ''}`);
  console.log(`commands (${setup.commands.length}): ${setup.commands.join(' ')}`);
  console.log(`features: ${[...setup.features].join(' ') || '(none)'}`);
  const started = Date.now();
  let last = started;
  const result = await runDifferential(targets.diff, {
    ...opts,
    onSequence: (n) => {
      if (Date.now() - last < 10_000) return;
      last = Date.now();
      console.log(`  ${n} sequences, ${Math.round((last - started) / 1000)} s`);
    },
  });
  await targets.close();
  const { stats } = targets.diff;
  console.log(`sequences=${stats.sequences} steps=${stats.steps} (each over RESP2 and RESP3) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (result.failed) {
    console.log(result.report);
    console.log(`FAILED: runs=${result.runs} seed=${opts.seed}`);
    process.exit(1);
  }
  console.log(`OK: runs=${result.runs} seed=${opts.seed}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
