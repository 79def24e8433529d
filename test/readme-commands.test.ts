/** README.md's command table is generated from the spec table and must stay true to it. */
import * as fs from 'node:fs';
import { ENGINE_SPECS, PROXY_SPECS } from '../lambda/specs';
import { commandTable, familyOf, FAMILIES, namesIn, README, readmeTable } from './support/readme-commands';

const readme = fs.readFileSync(README, 'utf8');
const table = readmeTable(readme);
const specNames = [...ENGINE_SPECS, ...PROXY_SPECS].map((s) => s.name);
const REGENERATE = 'run `npm run readme-commands` to regenerate the table';

test('the README has the generated command table in its Commands section', () => {
  expect(table).not.toBeNull();
  const section = readme.slice(readme.indexOf('## Commands\n'), readme.indexOf('\n## ', readme.indexOf('## Commands\n') + 1));
  expect(section).toContain(table);
});

test('every command in lambda/specs has a row, and every row a command', () => {
  const rows = namesIn(table ?? '');
  const missing = specNames.filter((n) => !rows.includes(n));
  const stale = rows.filter((n) => !specNames.includes(n));
  if (missing.length || stale.length) throw new Error(`README command table: missing ${missing.join(', ') || '-'}; stale ${stale.join(', ') || '-'}; ${REGENERATE}`);
  expect(rows).toHaveLength(specNames.length);
});

test('the table is exactly what the specs generate (summaries, families, subcommands)', () => {
  if (table !== commandTable()) throw new Error(`README command table differs from lambda/specs: ${REGENERATE}`);
});

test('rows are grouped by family, in the README order of families', () => {
  const families = (table ?? '').split('\n').slice(2).map((r) => r.split('|')[1].trim());
  const order = families.map((f) => FAMILIES.indexOf(f as (typeof FAMILIES)[number]));
  expect(order.every((o) => o >= 0)).toBe(true);
  expect([...order].sort((a, b) => a - b)).toEqual(order);
  // Today's engine commands land in the families users look for them in.
  const byName = new Map([...ENGINE_SPECS, ...PROXY_SPECS].map((s) => [s.name, familyOf(s)]));
  expect([byName.get('get'), byName.get('incr'), byName.get('del'), byName.get('flushall'), byName.get('ping')]).toEqual(['strings', 'counters', 'keyspace', 'server', 'connection']);
});
