/**
 * A self-contained HTML timeline of each violating key: one row per client,
 * one bar per operation from call to return (open operations run to the right
 * edge, dashed). Red: cannot be ordered; green: in the longest linearizable
 * prefix (numbered in order); grey: ignored; blue: not reached.
 */
import type { CheckResult, KeyViolation } from './check';
import { describeInput, describeOutput, type Operation } from './history';

/** Where an operation stands in the explanation of a violation. */
export function roleOf(v: KeyViolation, op: Operation): { mark: string; position?: number } {
  if (v.unordered.includes(op)) return { mark: '!!' };
  if (v.dropped.includes(op.id)) return { mark: '--' };
  const i = v.linearized.indexOf(op);
  return i >= 0 ? { mark: '  ', position: i + 1 } : { mark: ' ?' };
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const COLORS: Record<string, string> = { '!!': '#e74c3c', '--': '#bbbbbb', ' ?': '#5d9cec', '  ': '#2ecc71' };

function svgFor(v: KeyViolation): string {
  const width = 1400;
  const left = 60;
  const rowH = 30;
  const clients = [...new Set(v.history.map((o) => o.client))].sort((a, b) => a - b);
  const t0 = Math.min(...v.history.map((o) => o.call));
  const ends = v.history.map((o) => o.ret ?? o.call);
  const t1 = Math.max(...ends) + 1;
  const x = (t: number): number => left + ((t - t0) / (t1 - t0)) * (width - left - 10);
  const parts: string[] = [];
  clients.forEach((c, row) => {
    parts.push(`<text x="4" y="${row * rowH + 20}" class="client">c${c}</text>`);
  });
  for (const op of v.history) {
    const row = clients.indexOf(op.client);
    const r = roleOf(v, op);
    const x0 = x(op.call);
    const x1 = op.ret === undefined ? width - 10 : Math.max(x(op.ret), x0 + 2);
    const label = `${r.position ? r.position + '. ' : ''}${describeInput(op.input)} → ${describeOutput(op.output)}`;
    const title = `#${op.id} c${op.client} call=${(op.call - t0).toFixed(3)} ret=${op.ret === undefined ? 'none' : (op.ret - t0).toFixed(3)}\n${label}`;
    const dash = op.ret === undefined || op.output.kind === 'error' ? ' stroke-dasharray="4 3"' : '';
    parts.push(
      `<g><title>${esc(title)}</title><rect x="${x0.toFixed(1)}" y="${row * rowH + 4}" width="${(x1 - x0).toFixed(1)}" height="${rowH - 8}" ` +
        `fill="${COLORS[r.mark]}" stroke="#333"${dash} rx="3"/>` +
        `<text x="${(x0 + 3).toFixed(1)}" y="${row * rowH + 19}" class="op">${esc(label)}</text></g>`,
    );
  }
  const h = clients.length * rowH + 10;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${h}">${parts.join('')}</svg>`;
}

export function timelineHtml(result: CheckResult): string {
  const sections = result.violations.map((v) => {
    const state = v.stateAfter === null ? 'absent' : JSON.stringify(v.stateAfter);
    return (
      `<h2>key ${esc(JSON.stringify(v.key))}</h2>` +
      `<p>Longest linearizable prefix: ${v.linearized.length} operations, leaving the key ${esc(state)}. ` +
      `Red operations cannot be ordered after it.</p>` +
      `<div class="scroll">${svgFor(v)}</div>`
    );
  });
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>valthree linearizability violation</title>
<style>
body { font-family: sans-serif; margin: 1em; }
.scroll { overflow-x: auto; border: 1px solid #ccc; }
text.op { font: 11px monospace; pointer-events: none; }
text.client { font: bold 12px monospace; }
</style></head><body>
<h1>Linearizability: ${esc(result.result)}</h1>
<p>${result.opsChecked} operations checked in ${result.elapsedMs.toFixed(1)} ms.
Green: in the longest linearizable prefix (numbered in order). Red: cannot be ordered. Grey: ignored. Blue: not reached. Dashed: open (no reply or outcome unknown).</p>
${sections.join('\n')}
</body></html>
`;
}
