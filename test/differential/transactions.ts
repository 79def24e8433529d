/**
 * MULTI … EXEC in the differential test. While a transaction is open both
 * servers answer `+QUEUED`, compared byte for byte (no allowance applies to
 * a reply that is not the command's own). EXEC then answers every queued
 * command at once: element by element, byte for byte, except the elements
 * of commands an allowance covers (SCAN's order, TIME, …), which need only
 * be of the same type.
 */
import type { Resp } from '../support/resp-client';
import { allowanceFor, exact, type Observed, type Verdict } from './allow-list';

/** The open transaction's queued commands, or null outside one. Both servers are in the same state: their replies were equal so far. */
export class MultiTracker {
  queued: Buffer[][] | null = null;

  /** Whether this command's reply is compared exactly, whatever allowance its command has. */
  queuing(name: string): boolean {
    return this.queued !== null && !['exec', 'discard', 'multi', 'watch'].includes(name);
  }

  /** Whether EXEC needs the element-wise comparison. */
  looseExec(name: string): Buffer[][] | null {
    return name === 'exec' && this.queued !== null && this.queued.some((argv) => allowanceFor(argv) !== undefined) ? this.queued : null;
  }

  observe(name: string, argv: Buffer[], reply: Resp): void {
    if (name === 'multi' && reply.t === 'simple') this.queued ??= [];
    else if (name === 'exec' || name === 'discard') this.queued = null;
    else if (this.queuing(name) && reply.t === 'simple' && reply.v === 'QUEUED') this.queued?.push(argv);
  }
}

export function compareExec(queued: Buffer[][], ours: Observed, theirs: Observed): Verdict {
  if (ours.resp.t !== 'array' || theirs.resp.t !== 'array') return exact(ours, theirs);
  const a = ours.resp.v;
  const b = theirs.resp.v;
  if (a.length !== b.length || a.length !== queued.length) return `EXEC answered ${a.length} replies on valthree, ${b.length} on redis, for ${queued.length} queued commands`;
  for (let i = 0; i < a.length; i++) {
    const loose = allowanceFor(queued[i]) !== undefined && a[i].t !== 'error' && b[i].t !== 'error';
    if (loose ? a[i].t !== b[i].t : canon(a[i]) !== canon(b[i])) return `EXEC reply ${i + 1} (${queued[i][0].toString('latin1')}): valthree ${canon(a[i])} ≠ redis ${canon(b[i])}`;
  }
  return null;
}

function canon(r: Resp): string {
  return JSON.stringify(r, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v && typeof v === 'object' && (v as { type?: string }).type === 'Buffer' ? Buffer.from((v as { data: number[] }).data).toString('latin1') : v));
}
