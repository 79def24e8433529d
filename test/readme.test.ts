/** The README is part of the interface: every knob documented, the two commands true. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FLAGS, help } from '../proxy/config';

const readme = fs.readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

test('every proxy flag and its environment variable has a README line', () => {
  for (const f of FLAGS.filter((x) => x.flag !== 'help')) {
    expect(readme).toContain(`--${f.flag}`);
    if (f.env) expect(readme).toContain(`\`${f.env}\``);
  }
});

test('--help lists every flag', () => {
  const text = help();
  for (const f of FLAGS) expect(text).toContain(`--${f.flag}`);
});

test('the README opens with the start command and the test command that CI runs', () => {
  const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  expect(firstBlock).toContain('npm ci && npm start');
  const testLine = firstBlock.split('\n').find((l) => l.includes('npm test')) ?? '';
  const ci = fs.readFileSync(path.join(__dirname, '..', '.ci', 'run'), 'utf8');
  // Every Debian package the README installs, CI installs too (and vice versa).
  const pkgs = (s: string) => (/apt-get install -y --no-install-recommends ([^&\n]+)/.exec(s)?.[1] ?? '').trim().split(/\s+/).sort();
  expect(pkgs(testLine)).toEqual(pkgs(ci));
  expect(ci).toMatch(/\nnpm test\n/);
});
