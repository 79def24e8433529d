/**
 * The shape of the code, as standing rules: files small enough to hold in
 * your head, functions that fit on a screen, dependencies in one direction
 * (proxy → shared contract ← lambda) and no import cycles.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '..');
const PRODUCT_DIRS = ['bin', 'lib', 'lambda', 'proxy'];
const MAX_FILE_LINES = 300;
const MAX_FUNCTION_LINES = 60;

function files(dir: string): string[] {
  return fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return files(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

const product = PRODUCT_DIRS.flatMap(files);
const sources = new Map(product.map((f) => [f, ts.createSourceFile(f, fs.readFileSync(path.join(ROOT, f), 'utf8'), ts.ScriptTarget.ES2022, true)]));

function imports(f: string): string[] {
  const out: string[] = [];
  sources.get(f)!.forEachChild((n) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      const spec = n.moduleSpecifier.text;
      if (!spec.startsWith('.')) return;
      const base = path.join(path.dirname(f), spec);
      const hit = [`${base}.ts`, path.join(base, 'index.ts')].find((c) => sources.has(c));
      if (hit) out.push(hit);
    }
  });
  return out;
}

test(`no product file is over ${MAX_FILE_LINES} lines`, () => {
  // Lines as `wc -l` counts them.
  const big = product.filter((f) => sources.get(f)!.text.split('\n').length - 1 > MAX_FILE_LINES);
  expect(big).toEqual([]);
});

test(`no product function is over ${MAX_FUNCTION_LINES} lines (CDK constructs' declarations aside)`, () => {
  const long: string[] = [];
  for (const [f, sf] of sources) {
    if (f.startsWith('lib/') || f.startsWith('bin/')) continue;
    const visit = (n: ts.Node) => {
      if (ts.isFunctionLike(n) && 'body' in n && n.body) {
        const lines = sf.getLineAndCharacterOfPosition(n.end).line - sf.getLineAndCharacterOfPosition(n.getStart()).line + 1;
        if (lines > MAX_FUNCTION_LINES) long.push(`${f}:${sf.getLineAndCharacterOfPosition(n.getStart()).line + 1} (${lines} lines)`);
      }
      n.forEachChild(visit);
    };
    visit(sf);
  }
  expect(long).toEqual([]);
});

test('no import cycle among product files', () => {
  const cycles: string[] = [];
  const state = new Map<string, 'open' | 'done'>();
  const walk = (f: string, stack: string[]) => {
    state.set(f, 'open');
    for (const g of imports(f)) {
      if (state.get(g) === 'open') cycles.push([...stack.slice(stack.indexOf(g)), g].join(' → '));
      else if (!state.has(g)) walk(g, [...stack, g]);
    }
    state.set(f, 'done');
  };
  for (const f of product) if (!state.has(f)) walk(f, [f]);
  expect(cycles).toEqual([]);
});

test('the proxy reads command specs, never command code; only the in-process executor runs the handler', () => {
  const engineSide = (g: string) => g.startsWith('lambda/commands/') || g === 'lambda/engine.ts' || g === 'lambda/handler.ts' || g === 'lambda/attempt.ts';
  const offenders = product
    .filter((f) => f.startsWith('proxy/') && f !== 'proxy/executors/in-process.ts')
    .flatMap((f) => imports(f).filter(engineSide).map((g) => `${f} → ${g}`));
  expect(offenders).toEqual([]);
  // And the shared contract imports nothing that does I/O or runs commands.
  const shared = ['lambda/contract.ts', 'lambda/contract-wire.ts', 'lambda/contract-fold.ts', 'lambda/contract-lease.ts', 'lambda/errors.ts', ...product.filter((f) => f.startsWith('lambda/specs/'))];
  expect(shared.flatMap((f) => imports(f).filter((g) => !shared.includes(g)))).toEqual([]);
});
