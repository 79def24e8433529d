/**
 * The restore tool an operator runs (README: "the snapshot restore
 * runbook"): `npm run restore -- --snapshot snapshots/<time>.json`. The work
 * is lambda/restore.ts's; this reads flags and the environment (the same
 * VALTHREE_* and AWS_* variables as the proxy) and prints the result.
 */
import { openStorage, storageSettingsFromEnv } from '../lambda/config';
import { restoreSnapshot } from '../lambda/restore';

export const HELP = `Usage: npm run restore -- --snapshot <key> [options]

Makes a snapshot the current db.json: one conditional PUT on the db.json it
replaces (If-Match), after reading and checking every page the snapshot
names. The restored root keeps the replaced one's commit window (a batch that
landed before is not applied again; a WATCH taken before aborts), takes clock
and seq past both, and records the replaced root's pages as retired so that
readers of it keep their grace. Nothing needs restarting afterwards.

Options (environment variable in brackets):
  --snapshot <key>    the snapshot object, e.g. snapshots/2025-01-01T12:00:00.000Z.json (required)
  --bucket <name>     the bucket [VALTHREE_BUCKET]
  --key <key>         the document [VALTHREE_KEY, default db.json]
  --region <region>   [AWS_REGION]
  --endpoint <url>    an S3-compatible endpoint [VALTHREE_S3_ENDPOINT, AWS_ENDPOINT_URL_S3]
  --etag-form <form>  quoted (AWS, default) or unquoted (Ceph RGW 16) [VALTHREE_ETAG_FORM]
  --snapshot-prefix <p>  where the page GC finds snapshots; a paged snapshot must be under it
                      [VALTHREE_SNAPSHOT_PREFIX, default snapshots/]
  --data-dir <dir>    a local data directory instead of a bucket (stop npm start first) [VALTHREE_DATA_DIR]
  --dry-run           read and check everything, print what would be written, write nothing
  --over-unreadable   replace a db.json that cannot be read (its window and pages are then unknown)
  --help              this text

Prints one JSON line: {"status":"restored","id":…,"clock":…,"seq":…,"pages":…,"retired":…,"etag":…}.
Exit status 0 when restored (or checked, with --dry-run), 1 when nothing was written, 2 for bad flags.
If db.json changed meanwhile (a commit landed), nothing is written: run it again.
`;

const FLAGS: Record<string, string> = { '--bucket': 'VALTHREE_BUCKET', '--key': 'VALTHREE_KEY', '--region': 'AWS_REGION', '--endpoint': 'VALTHREE_S3_ENDPOINT', '--etag-form': 'VALTHREE_ETAG_FORM', '--data-dir': 'VALTHREE_DATA_DIR', '--snapshot-prefix': 'VALTHREE_SNAPSHOT_PREFIX' };

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
}

/** Runs the tool; the exit status. */
export async function main(args: readonly string[], env: NodeJS.ProcessEnv, io: Io): Promise<number> {
  const vars: NodeJS.ProcessEnv = { ...env };
  let snapshot: string | undefined;
  let dryRun = false;
  let overUnreadable = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--help' || a === '-h') return io.out(HELP), 0;
    if (a === '--dry-run') dryRun = true;
    else if (a === '--over-unreadable') overUnreadable = true;
    else if (a === '--snapshot' || a in FLAGS) {
      const v = args[++i];
      if (v === undefined || v.startsWith('--')) return io.err(`${a} needs a value (see --help)`), 2;
      if (a === '--snapshot') snapshot = v;
      else vars[FLAGS[a]] = v;
    } else return io.err(`unknown option ${a} (see --help)`), 2;
  }
  if (!snapshot) return io.err('--snapshot <key> is required (see --help)'), 2;
  let store;
  try {
    const settings = storageSettingsFromEnv(vars);
    store = openStorage({ ...settings, unsafeStorage: true }).store;
    const snapshotPrefix = vars.VALTHREE_SNAPSHOT_PREFIX || 'snapshots/';
    const result = await restoreSnapshot({ store, key: settings.key, snapshotKey: snapshot, snapshotPrefix, dryRun, overUnreadable });
    io.out(JSON.stringify(result));
    return 0;
  } catch (e) {
    // RestoreError, StoreError (and the SDK's errors): nothing was written.
    io.err(`restore: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    store?.close?.();
  }
}

if (require.main === module) {
  main(process.argv.slice(2), process.env, { out: (l) => console.log(l), err: (l) => console.error(l) }).then((code) => (process.exitCode = code));
}
