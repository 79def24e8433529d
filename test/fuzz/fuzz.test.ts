/**
 * The bounded fuzz run of `npm test`: a fixed seed, a few hundred cases
 * against an in-process proxy. Longer runs: `npm run fuzz -- --cases N`.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatReport, runFuzz } from './fuzz';
import { startProxy, type RunningProxy } from '../support/proxy-harness';

let dir: string;
let proxy: RunningProxy;
beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'valthree-fuzz-'));
  proxy = await startProxy(['--data-dir', dir]);
});
afterAll(async () => {
  await proxy.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

test('300 fuzz cases (seed 20261128): well-formed replies or a protocol error and close; the probe and the canaries unharmed', async () => {
  const report = await runFuzz({ port: proxy.port, cases: 300, seed: 20261128 });
  console.log(formatReport(report));
  expect(report.failure).toBeNull();
  expect(report.casesRun).toBe(300);
  // The generator reaches every kind of case and outcome the properties are about.
  for (const family of ['garbage', 'framed-garbage', 'valid', 'mutated', 'big']) expect(report.families[family]).toBeGreaterThan(0);
  for (const outcome of ['open, everything answered', 'protocol error, closed', 'QUIT', 'client hung up', 'client half-closed']) expect(report.outcomes[outcome]).toBeGreaterThan(0);
  expect(Object.keys(report.protocolErrors).length).toBeGreaterThanOrEqual(5);
  // No connection is left behind on the server.
  expect(proxy.server.metrics.connectedClients).toBeLessThanOrEqual(1);
}, 60_000);
