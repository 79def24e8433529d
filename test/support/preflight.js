#!/usr/bin/env node
// Fails `npm test` at once, naming the Debian packages, when a tool the tests
// drive is missing (instead of an obscure ENOENT deep inside a suite).
const { execFileSync } = require('node:child_process');

const needs = [
  ['redis-cli', 'redis-tools'],
  ['redis-benchmark', 'redis-tools'],
  ['redis-server', 'redis-server'],
  ['ceph-mon', 'ceph-mon'],
  ['ceph-osd', 'ceph-osd'],
  ['radosgw', 'radosgw'],
  ['radosgw-admin', 'radosgw'],
  ['ceph', 'ceph-common'],
  ['openssl', 'openssl'],
];
const extraPath = ['/usr/bin', '/usr/sbin', '/usr/local/bin', '/sbin', '/bin'];
const missing = needs.filter(([bin]) => {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore', env: { ...process.env, PATH: `${process.env.PATH}:${extraPath.join(':')}` } });
    return false;
  } catch {
    return true;
  }
});
if (missing.length > 0) {
  const pkgs = [...new Set(missing.map(([, p]) => p))].join(' ');
  console.error(`valthree tests need: ${missing.map(([b]) => b).join(', ')}.`);
  console.error(`Install them with: sudo apt-get update && sudo apt-get install -y --no-install-recommends ${pkgs}`);
  process.exit(1);
}
