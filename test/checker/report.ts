/**
 * Human-readable reports of a check: a text file (one line per operation of
 * each violating key) and a self-contained HTML timeline next to it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CheckResult, KeyViolation } from './check';
import { describeInput, describeOutput } from './history';
import { roleOf, timelineHtml } from './timeline';

function fmtTime(t: number | undefined, origin: number): string {
  return t === undefined ? '-' : (t - origin).toFixed(3);
}

export function formatViolation(v: KeyViolation): string {
  const origin = v.history.length ? Math.min(...v.history.map((o) => o.call)) : 0;
  const ttl = v.ttlOwner === undefined ? '' : ` (with the TTL #${v.ttlOwner} set still pending)`;
  const state = v.stateAfter === null ? 'absent' : `${JSON.stringify(v.stateAfter)}${ttl}`;
  const lines = [
    `key ${JSON.stringify(v.key)}: NOT linearizable (${v.history.length} operations)`,
    `  The longest linearizable prefix found has ${v.linearized.length} operations and leaves the key ${state}.`,
    `  After it, no operation can go next: the ones marked !! contradict that state, and every`,
    `  other candidate was already tried. Times are ms from the key's first call; ret '-' = no reply.`,
    `  Marks: !! cannot be ordered, -- ignored (not applied / unanswered GET / unobservable),`,
    `         ' ?' not reached by that prefix, a number = position in the prefix.`,
    '',
    '  mark   pos      id  client        call         ret  input  ->  output',
  ];
  for (const op of v.history) {
    const r = roleOf(v, op);
    const pos = r.position === undefined ? '' : String(r.position);
    lines.push(
      `  ${r.mark.padEnd(4)} ${pos.padStart(5)} ${('#' + op.id).padStart(7)} ${('c' + op.client).padStart(7)} ` +
        `${fmtTime(op.call, origin).padStart(11)} ${fmtTime(op.ret, origin).padStart(11)}  ` +
        `${describeInput(op.input)}  ->  ${describeOutput(op.output)}`,
    );
  }
  lines.push('', `  Linearization of the prefix: ${(v.prefix ?? v.linearized.map((o) => '#' + o.id)).join(' ') || '(empty)'}`);
  if (v.prefix?.some((l) => l.startsWith('expiry'))) {
    lines.push('  (expiry(#id): the TTL operation #id set runs out there; see test/checker/expiry.ts for its window)');
  }
  lines.push(`  Cannot be ordered next: ${v.unordered.map((o) => '#' + o.id).join(' ') || '(none)'}`);
  return lines.join('\n');
}

export function formatReport(result: CheckResult): string {
  const keys = [...result.perKey.values()];
  const count = (verdict: string): number => keys.filter((k) => k.result === verdict).length;
  const lines = [
    `linearizability: ${result.result}`,
    `operations checked: ${result.opsChecked} (dropped as not applied / unanswered GET: ${result.opsDropped})`,
    `keys: ${keys.length} (ok ${count('ok')}, illegal ${count('illegal')}, unknown ${count('unknown')})`,
    `elapsed: ${result.elapsedMs.toFixed(1)} ms`,
  ];
  for (const k of keys.filter((x) => x.result === 'unknown')) {
    lines.push(`key ${JSON.stringify(k.key)}: unknown (${k.reason ?? 'bound'} after ${k.elapsedMs.toFixed(0)} ms, ${k.ops} ops)`);
  }
  for (const v of result.violations) lines.push('', formatViolation(v));
  return lines.join('\n') + '\n';
}

/**
 * Writes linearizability-report.txt (and, when a key is illegal,
 * linearizability-report.html) into dir; returns the text file's path.
 */
export function writeReport(result: CheckResult, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'linearizability-report.txt');
  writeFileSync(path, formatReport(result));
  if (result.violations.length) writeFileSync(join(dir, 'linearizability-report.html'), timelineHtml(result));
  return path;
}
