/**
 * The emulator as a process, for a developer pointing a proxy at it:
 *
 *   npx tsx test/support/emulator-main.ts --port 4566
 *   VALTHREE_FUNCTION=valthree AWS_ENDPOINT_URL=http://127.0.0.1:4566 \
 *     AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=us-east-1 npm start
 */
import { parseFaultSpec } from './faults';
import { startEmulator, type EmulatorOptions } from './emulator';

const HELP = `Usage: npx tsx test/support/emulator-main.ts [options]

One HTTP endpoint with S3 (path-style, in memory) and Lambda Invoke running the
real valthree handler, like LocalStack's. Stops on Ctrl-C / SIGTERM.

Options:
  --port N              port (default 4566; 0 = any free port)
  --host H              address (default 127.0.0.1)
  --bucket B            bucket created at start (default valthree)
  --function F          Lambda function name (default valthree)
  --key K               object key of the document (default db.json)
  --no-cache            the handler re-reads db.json for every batch
  --no-safety-check     skip the storage safety check before the first write
  --max-document-bytes  cap on db.json (answers -OOM past it)
  --profile aws|rgw16   S3 behaviour: AWS's (default) or Ceph RGW 16's quirks
  --faults SPEC         none | all | ignore-preconditions | broken-expiry | broken-watch | s3_500,lambda_429=0.1,...
                        (s3_500 s3_503 s3_409 s3_latency s3_hang s3_ambiguous_put
                         lambda_429 lambda_error lambda_ambiguous clock_skew[=bound ms])
  --seed N              seed for faults and jitter (default 1)
  --latency SPEC        e.g. s3GetMs=15,s3PutMs=30,invokeMs=10,perMbMs=8,jitterMs=5
  --stats-every S       print the counters every S seconds
  --help                this text
`;

function parse(argv: string[]): { opts: EmulatorOptions; statsEvery: number } | null {
  const opts: EmulatorOptions = { port: 4566, function: {} };
  const fn = opts.function as NonNullable<EmulatorOptions['function']>;
  let statsEvery = 0;
  let seed = 1;
  let faultSpec = '';
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--help':
      case '-h':
        return null;
      case '--port': opts.port = Number(next()); break;
      case '--host': opts.host = next(); break;
      case '--bucket': opts.bucket = next(); break;
      case '--function': opts.functionName = next(); break;
      case '--key': fn.key = next(); break;
      case '--no-cache': fn.cache = false; break;
      case '--no-safety-check': fn.safetyCheck = false; break;
      case '--max-document-bytes': fn.maxDocumentBytes = Number(next()); break;
      case '--profile': {
        const p = next();
        if (p !== 'aws' && p !== 'rgw16') throw new Error('--profile takes aws or rgw16');
        opts.profile = p;
        break;
      }
      case '--faults': faultSpec = next(); break;
      case '--seed': seed = Number(next()); break;
      case '--latency': {
        const l: Record<string, number> = {};
        for (const kv of next().split(',')) {
          const [k, v] = kv.split('=');
          if (!['s3GetMs', 's3PutMs', 'invokeMs', 'perMbMs', 'jitterMs'].includes(k) || !(Number(v) >= 0)) throw new Error(`bad --latency item ${kv}`);
          l[k] = Number(v);
        }
        opts.latency = l;
        break;
      }
      case '--stats-every': statsEvery = Number(next()); break;
      default:
        throw new Error(`unknown option ${a} (see --help)`);
    }
  }
  opts.faults = { ...parseFaultSpec(faultSpec), seed };
  opts.seed = seed;
  return { opts, statsEvery };
}

async function main(): Promise<void> {
  const parsed = parse(process.argv.slice(2));
  if (!parsed) {
    process.stdout.write(HELP);
    return;
  }
  const emu = await startEmulator(parsed.opts);
  const timer = parsed.statsEvery > 0 ? setInterval(() => process.stdout.write(`${JSON.stringify({ ...emu.stats.snapshot(), faults: emu.faults.injected })}\n`), parsed.statsEvery * 1000) : undefined;
  const stop = (): void => {
    if (timer) clearInterval(timer);
    void emu.close().then(() => process.exit(0));
  };
  // Before the banner: whoever reads it may signal us at once.
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  process.stdout.write(
    `valthree emulator on ${emu.endpoint} (bucket ${emu.bucket}, function ${emu.functionName}` +
      `${emu.faults.active.length || emu.faults.ignorePreconditions || emu.faults.unsafeLocalExpiry || emu.faults.unsafeIgnoreWatch ? `, faults ${[...emu.faults.active, ...(emu.faults.ignorePreconditions ? ['ignore-preconditions'] : []), ...(emu.faults.unsafeLocalExpiry ? ['broken-expiry'] : []), ...(emu.faults.unsafeIgnoreWatch ? ['broken-watch'] : [])].join(',')}` : ''})\n` +
      `  export AWS_ENDPOINT_URL=${emu.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=${emu.region}\n` +
      `  proxy over Lambda:  VALTHREE_FUNCTION=${emu.functionName} npm start\n` +
      `  proxy in-process:   VALTHREE_BUCKET=${emu.bucket} npm start\n`,
  );
}

main().catch((e: Error) => {
  process.stderr.write(`${e.message}\n`);
  process.exit(2);
});
