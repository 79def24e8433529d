import { mkdtempSync, readFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from './check';
import { H } from './fixtures';
import { formatReport, writeReport } from './report';

describe('report', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'valthree-checker-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  // A lost update as a storage ignoring If-Match produces it, plus noise on
  // another key and a write that was reported not applied.
  function lostUpdate(): H {
    const h = new H();
    h.set(1, 'k', 'a', 1000, 1010);
    h.set(2, 'k', 'b', 1012, 1020);
    h.fail(3, { op: 'set', key: 'k', value: 'c' }, 'no', 1013, 1014);
    h.get(3, 'k', 'b', 1021, 1025);
    h.get(4, 'k', 'a', 1030, 1031); // 'a' came back
    h.set(5, 'other', 'z', 1000, 1001);
    h.set(6, 'k', 'd', 1040, undefined); // never answered
    return h;
  }

  it('lists the violating key one line per operation, by call time, marking what cannot be ordered', () => {
    const res = check(lostUpdate().history);
    const path = writeReport(res, dir);
    expect(path).toBe(join(dir, 'linearizability-report.txt'));
    const text = readFileSync(path, 'utf8');
    expect(text).toMatch(/^linearizability: illegal$/m);
    expect(text).toMatch(/keys: 2 \(ok 1, illegal 1, unknown 0\)/);
    expect(text).toContain('key "k": NOT linearizable');
    expect(text).toContain('leaves the key "b"');
    const opLines = text.split('\n').filter((l) => /#\d+ +c\d+/.test(l));
    // Every operation on k, the not-applied one included; none on "other".
    expect(opLines).toHaveLength(6);
    expect(opLines.some((l) => l.includes('other'))).toBe(false);
    const calls = opLines.map((l) => Number(/c\d+ +([\d.]+)/.exec(l)?.[1]));
    expect(calls.every((c) => Number.isFinite(c))).toBe(true);
    expect(calls).toEqual([...calls].sort((a, b) => a - b));
    const stale = opLines.find((l) => l.includes('#4 '));
    expect(stale).toMatch(/^ {2}!! .*GET k {2}-> {2}"a"/);
    expect(opLines.find((l) => l.includes('#2 '))).toMatch(/^ {2}-- .*not applied/);
    expect(opLines.find((l) => l.includes('#6 '))).toMatch(/\(no reply\)/);
    expect(text).toContain('Cannot be ordered next: #4');
  });

  it('writes a self-contained HTML timeline next to it', () => {
    const res = check(lostUpdate().history);
    writeReport(res, dir);
    const html = readFileSync(join(dir, 'linearizability-report.html'), 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|<link|src=/); // nothing fetched from elsewhere
    expect(html).toContain('GET k → &quot;a&quot;');
    expect(html).toContain('#e74c3c'); // the stale read, in red
  });

  it('summarises a clean check without an HTML file', () => {
    const h = new H();
    h.set(0, 'k', 'a', 0, 1);
    h.get(1, 'k', 'a', 2, 3);
    const res = check(h.history);
    const text = formatReport(res);
    expect(text).toMatch(/^linearizability: ok$/m);
    expect(text).toMatch(/operations checked: 2/);
    writeReport(res, dir);
    expect(existsSync(join(dir, 'linearizability-report.html'))).toBe(false);
  });
});
