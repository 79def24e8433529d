#!/usr/bin/env node
/**
 * Builds the proxy as it ships: proxy/main.ts and everything it imports
 * (lambda/, node_modules) bundled by esbuild into one CommonJS file with a
 * source map, for plain `node --enable-source-maps`. `npm start`, `npm ci`
 * (prepare), the container image and the benchmarks all run this one build,
 * so what is measured and tried locally is what the image runs.
 *
 *   node proxy/build.mjs [--outdir DIR] [--if-stale]
 *
 * --outdir     where proxy.js and proxy.js.map go (default: dist/ in the repository)
 * --if-stale   build only if the bundle is missing or older than a source file
 *
 * Plain JavaScript on purpose: it runs before anything is compiled, without tsx.
 */
import { mkdirSync, readdirSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BUNDLE = 'proxy.js';
/** What the bundle is made of: the sources, and the lock file that pins the dependencies it inlines. */
const INPUTS = ['proxy', 'lambda', 'package-lock.json', 'tsconfig.json'];
const SOURCE = /\.(ts|mts|cts|js|mjs|cjs|json)$/;

/**
 * The newest modification time among the inputs. A stat walk of two small
 * folders (a few milliseconds), so `npm start` can afford it every time; it
 * never loads esbuild.
 */
function newestInput() {
  let newest = 0;
  const visit = (p) => {
    let st;
    try {
      st = statSync(p);
    } catch {
      return; // an input that does not exist (yet) cannot be newer
    }
    if (st.isDirectory()) {
      for (const e of readdirSync(p, { withFileTypes: true })) {
        if (e.name === 'node_modules' || e.name.startsWith('.')) continue;
        if (e.isDirectory() || SOURCE.test(e.name)) visit(join(p, e.name));
      }
    } else newest = Math.max(newest, st.mtimeMs);
  };
  for (const input of INPUTS) visit(join(ROOT, input));
  return newest;
}

function isStale(outfile) {
  try {
    return statSync(outfile).mtimeMs < newestInput();
  } catch {
    return true; // no bundle yet
  }
}

async function build(outdir) {
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    throw new Error('esbuild is not installed: run `npm ci` (with devDependencies) first');
  }
  const started = Date.now();
  const outfile = join(outdir, BUNDLE);
  const result = await esbuild.build({
    absWorkingDir: ROOT,
    entryPoints: [join(ROOT, 'proxy/main.ts')],
    bundle: true,
    platform: 'node',
    // The oldest Node valthree supports (package.json engines); the image runs 22.
    target: 'node20',
    format: 'cjs',
    outfile,
    // Stack traces name .ts files and lines (with --enable-source-maps). The
    // map points at the sources instead of embedding them: smaller, and the
    // trace needs only the mappings.
    sourcemap: 'linked',
    sourcesContent: false,
    legalComments: 'none',
    logLevel: 'warning',
    write: false,
  });
  mkdirSync(outdir, { recursive: true });
  // Write then rename, map first: a proxy starting meanwhile (another `npm
  // start`, a benchmark) loads the old bundle or the new one, never half of one.
  const files = [...result.outputFiles].sort((a, b) => Number(a.path.endsWith('.js')) - Number(b.path.endsWith('.js')));
  for (const f of files) {
    const tmp = `${f.path}.${process.pid}.tmp`;
    writeFileSync(tmp, f.contents);
    renameSync(tmp, f.path);
  }
  // Date the bundle by when the build began: a source saved during the build
  // is then newer than the bundle, and the next start rebuilds.
  const t = new Date(started);
  utimesSync(outfile, t, t);
  return { outfile, ms: Date.now() - started };
}

function parse(argv) {
  const o = { outdir: join(ROOT, 'dist'), ifStale: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--if-stale') o.ifStale = true;
    else if (a === '--outdir') {
      if (!argv[i + 1]) throw new Error('--outdir needs a directory');
      o.outdir = resolve(argv[++i]);
    } else if (a === '--help') {
      process.stdout.write('usage: node proxy/build.mjs [--outdir DIR] [--if-stale]\n');
      process.exit(0);
    } else throw new Error(`unknown argument ${JSON.stringify(a)} (see --help)`);
  }
  return o;
}

async function main() {
  const o = parse(process.argv.slice(2));
  if (o.ifStale && !isStale(join(o.outdir, BUNDLE))) return;
  const { outfile, ms } = await build(o.outdir);
  process.stderr.write(`valthree: built ${relative(process.cwd(), outfile) || outfile} in ${ms} ms\n`);
}

main().catch((e) => {
  process.stderr.write(`valthree build: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
