/**
 * `npm run workload -- [options]` (see --help). Prints progress, a summary
 * and, last, `ops=… linearizable=true|false|unknown seed=…`; exits 0 only
 * when the history is linearizable.
 */
import { HELP, UsageError, parseCli } from './options';
import { recheck, runWorkload } from './workload';

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseCli(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`workload: ${e.message}\n`);
    return 2;
  }
  if (parsed === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const summary = 'recheck' in parsed ? recheck(parsed.recheck) : await runWorkload(parsed);
  return summary.linearizable === 'true' ? 0 : summary.linearizable === 'false' ? 1 : 3;
}

main().then(
  (code) => process.exit(code),
  (e: Error) => {
    process.stderr.write(`workload: ${e.stack ?? e.message}\n`);
    process.exit(2);
  },
);
