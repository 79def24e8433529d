/**
 * A batch request as the handler takes it: checked like any input from the
 * network (the proxy is trusted, its bytes are not), then decoded once.
 */
import { CONTRACT_VERSION, DATABASES, decodeTransaction, isTransaction, type BatchRequest } from './contract';
import { decodeArg } from './contract-wire';
import { deltasProblem } from './contract-fold';
import { isPageName } from './pages/name';
import { validateClaim } from './lease';
import { isWrite, lookupSpec } from './specs';

export function validateRequest(req: unknown): string | null {
  const r = req as Partial<BatchRequest> | null;
  if (typeof r !== 'object' || r === null) return 'request is not an object';
  if (r.v !== CONTRACT_VERSION) return `contract version ${JSON.stringify(r.v)} is not supported (this handler speaks ${CONTRACT_VERSION})`;
  if (typeof r.batchId !== 'string' || r.batchId.length === 0 || r.batchId.length > 128) return 'batchId must be a non-empty string';
  if (!Array.isArray(r.sessions)) return 'sessions must be an array';
  if (r.write !== undefined && typeof r.write !== 'boolean') return 'write must be a boolean';
  if (r.fence !== undefined && (typeof r.fence !== 'boolean' || (r.fence && r.write === false))) return 'fence is a boolean, on write batches only';
  if (r.lease !== undefined) {
    const bad = validateClaim(r.lease);
    if (bad) return bad;
  }
  if (r.fold !== undefined && (typeof r.fold !== 'object' || r.fold === null || r.sessions.length > 0 || r.lease !== undefined)) return 'a fold request is an object, without sessions or a lease';
  if (r.deltas !== undefined) {
    // A read-path batch never commits: a delta on it could never be applied.
    if (r.write === false) return 'fold deltas ride on write batches only';
    const bad = deltasProblem(r.deltas, isPageName, DATABASES);
    if (bad) return bad;
  }
  for (const s of r.sessions) {
    if (typeof s?.id !== 'string' || !Array.isArray(s.commands)) return 'malformed session';
    if (s.db !== undefined && !(Number.isInteger(s.db) && s.db >= 0 && s.db < DATABASES)) return `db must be an integer from 0 to ${DATABASES - 1}`;
    if (s.origin !== undefined && (typeof s.origin !== 'string' || s.origin.length === 0 || s.origin.length > 128 || s.origin === r.batchId)) return 'origin must be another batch id';
    for (const c of s.commands) if (!Array.isArray(c) || c.some((a) => typeof a !== 'string')) return 'malformed command';
  }
  return null;
}

/** The request's commands as byte strings, per session. */
export function decodeSessions(req: BatchRequest): Buffer[][][] {
  return req.sessions.map((s) => s.commands.map((argv) => argv.map(decodeArg)));
}

/** Whether the command runs a Lua script (EVAL, EVAL_RO; an EXEC queuing one), which takes from the attempt's script time budget. */
export function runsScript(argv: Buffer[]): boolean {
  if (isTransaction(argv)) return decodeTransaction(argv)?.commands.some((c) => runsScript(c.argv.map(decodeArg))) ?? false;
  return argv.length > 0 && lookupSpec(argv[0])?.group === 'scripting';
}

/** Whether the command may change the document, by its spec (EVAL counts: its script may write); an EXEC when any queued command may. */
export function writes(argv: Buffer[]): boolean {
  if (isTransaction(argv)) return decodeTransaction(argv)?.commands.some((c) => writes(c.argv.map(decodeArg))) ?? false;
  const spec = argv.length > 0 ? lookupSpec(argv[0]) : undefined;
  return spec !== undefined && isWrite(spec);
}
