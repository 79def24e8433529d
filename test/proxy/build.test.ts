/**
 * The build that ships (proxy/build.mjs): what `npm start`, `npm ci` and the
 * image run. Built into a temporary directory, so the repository's dist/ is
 * left alone; then run as users run it, on plain node with source maps.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ROOT, spawnListening, type ChildProxy } from '../support/proxy-harness';
import { plain, RawClient } from '../support/resp-client';

const BUILD = path.join(ROOT, 'proxy/build.mjs');
let dir: string;
let bundle: string;
const children: ChildProxy[] = [];

const build = (...args: string[]): string => execFileSync(process.execPath, [BUILD, '--outdir', path.join(dir, 'out'), ...args], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const start = async (nodeArgs: string[], args: string[]): Promise<ChildProxy> => {
  const c = await spawnListening(['--enable-source-maps', ...nodeArgs, bundle, '--port', '0', ...args]);
  children.push(c);
  return c;
};

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-build-'));
  bundle = path.join(dir, 'out', 'proxy.js');
  build();
}, 60_000);
afterEach(() => {
  for (const c of children.splice(0)) if (c.child.exitCode === null && c.child.signalCode === null) c.child.kill('SIGKILL');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('one CommonJS bundle with a linked source map that points at the .ts sources', () => {
  expect(fs.readFileSync(bundle, 'utf8')).toMatch(/\/\/# sourceMappingURL=proxy\.js\.map\s*$/);
  const map = JSON.parse(fs.readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[]; sourcesContent?: unknown };
  const sources = map.sources.map((s) => path.resolve(path.dirname(bundle), s));
  expect(sources).toContain(path.join(ROOT, 'proxy/main.ts'));
  expect(sources).toContain(path.join(ROOT, 'lambda/store/file.ts'));
  expect(map.sourcesContent).toBeUndefined();
});

test('--if-stale rebuilds only a bundle older than a source', () => {
  const old = new Date('2001-01-01T00:00:00Z');
  const mtime = () => fs.statSync(bundle).mtimeMs;
  const before = mtime();
  build('--if-stale');
  expect(mtime()).toBe(before);
  fs.utimesSync(bundle, old, old);
  build('--if-stale');
  expect(mtime()).toBeGreaterThan(old.getTime());
}, 60_000);

test('the bundle serves PING, SET and GET on a free port and a temporary data directory', async () => {
  const p = await start([], ['--data-dir', path.join(dir, 'data')]);
  const c = await RawClient.connect(p.port);
  try {
    expect(plain(await c.call('PING'))).toBe('PONG');
    expect(plain(await c.call('SET', 'k', 'v'))).toBe('OK');
    expect(plain(await c.call('GET', 'k'))).toBe('v');
  } finally {
    c.socket.destroy();
  }
  p.child.kill('SIGTERM');
  expect(await p.exited).toBe(0);
  expect(JSON.parse(fs.readFileSync(path.join(dir, 'data', 'db.json'), 'utf8'))).toBeTruthy();
}, 60_000);

test('a stack trace from the bundle names .ts files and lines', async () => {
  // A second proxy on a locked data directory fails in lambda/store/file.ts;
  // the fatal log line carries the error's stack.
  const data = path.join(dir, 'locked');
  const first = await start([], ['--data-dir', data]);
  const second = await start([], ['--data-dir', data]).then(
    () => '',
    (e: Error) => e.message,
  );
  const fatal = second.split('\n').find((l) => l.includes('"valthree cannot start"')) ?? '';
  const err = (JSON.parse(fatal) as { err: { type: string; stack: string } }).err;
  expect(err.type).toBe('DataDirLockedError');
  expect(err.stack).toMatch(/lambda\/store\/file\.ts:\d+:\d+/);
  expect(err.stack).not.toMatch(/proxy\.js:\d+/);
  first.child.kill('SIGTERM');
  expect(await first.exited).toBe(0);
}, 60_000);

test('`npm start -- --help` runs the built proxy and prints every flag', () => {
  const out = execFileSync('npm', ['start', '--silent', '--', '--help'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  expect(out).toMatch(/^valthree — /);
  expect(out).toContain('--data-dir DIR');
}, 60_000);
