/**
 * What can be checked here without Docker: the Dockerfile's shape and the
 * compose file. (The build context that .dockerignore shapes is checked on
 * the staged asset, in service.test.ts.)
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO } from './repo';

const dockerfile = fs.readFileSync(path.join(REPO, 'proxy/Dockerfile'), 'utf8');
/** Instructions (continuation lines joined, comments dropped), split into stages at FROM. */
const stages = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .filter((l) => l.trim() && !l.trim().startsWith('#'))
  .reduce<string[][]>((acc, line) => {
    if (/^FROM\s/i.test(line)) acc.push([]);
    acc[acc.length - 1].push(line.trim());
    return acc;
  }, []);

describe('proxy/Dockerfile', () => {
  test('two stages on Node 22; the build stage runs on the build host platform', () => {
    expect(stages).toHaveLength(2);
    expect(stages[0][0]).toMatch(/^FROM --platform=\$BUILDPLATFORM node:22[\w.-]* AS build$/);
    expect(stages[1][0]).toMatch(/^FROM node:22[\w.-]*$/);
  });

  test('build stage: npm ci from the lock file (no scripts), then the build npm start runs, into /out', () => {
    const build = stages[0].join('\n');
    expect(build).toMatch(/COPY package\.json package-lock\.json/);
    expect(build).toMatch(/RUN npm ci --ignore-scripts\b/);
    expect(build).toMatch(/RUN node proxy\/build\.mjs --outdir \/out\b/);
    const pkg = JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/^node proxy\/build\.mjs --if-stale && /);
    expect(pkg.scripts.prepare).toBe('node proxy/build.mjs');
  });

  test('runtime stage: only the bundle, no RUN (so no emulation for a foreign platform), non-root, port 6379', () => {
    const runtime = stages[1];
    expect(runtime.filter((l) => /^RUN\s/.test(l))).toEqual([]);
    expect(runtime.filter((l) => /^COPY\s/.test(l))).toEqual(['COPY --from=build /out/ /app/']);
    expect(runtime).toContain('USER node');
    expect(runtime).toContain('EXPOSE 6379');
    expect(runtime.join('\n')).toMatch(/HOST=0\.0\.0\.0/);
    expect(runtime[runtime.length - 1]).toBe('ENTRYPOINT ["node", "/app/proxy.js"]');
  });
});

describe('docker-compose.yml', () => {
  const compose = fs.readFileSync(path.join(REPO, 'docker-compose.yml'), 'utf8');

  test('LocalStack on 127.0.0.1:4566, and the proxy built from proxy/Dockerfile pointed at it', () => {
    expect(compose).toMatch(/image: localstack\/localstack:/);
    expect(compose).toContain('"127.0.0.1:4566:4566"');
    expect(compose).toMatch(/dockerfile: proxy\/Dockerfile/);
    expect(compose).toContain('AWS_ENDPOINT_URL: http://localstack:4566');
    expect(compose).toContain('"127.0.0.1:6379:6379"');
    // No `$` left for compose to interpolate by accident, other than ${VAR:-default} forms.
    expect(compose.replace(/\$\{[A-Z_]+:-[^}]*\}/g, '')).not.toContain('$');
  });
});
