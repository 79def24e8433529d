/**
 * How a batch's time is budgeted inside one function invocation. Data only
 * (no imports): the handler enforces it, the CDK configuration and the
 * Lambda's settings check against it.
 */

/** Stop starting new attempts when less time than this is left (plus the script time limit, for a batch with scripts). */
export const ATTEMPT_RESERVE_MS = 1500;

/**
 * Scripted attempts that must fit in the function's timeout: the first and
 * one retry after a conflict. The handler never starts an attempt that could
 * overrun (see run()); this is what configuration checks against.
 */
export const MIN_SCRIPT_ATTEMPTS = 2;

/** Why a script time limit does not fit a function timeout, or null. */
export function scriptTimeoutProblem(scriptTimeoutMs: number, functionTimeoutMs: number): string | null {
  const room = functionTimeoutMs - ATTEMPT_RESERVE_MS;
  if (scriptTimeoutMs * MIN_SCRIPT_ATTEMPTS <= room) return null;
  return `script timeout (${scriptTimeoutMs} ms) × ${MIN_SCRIPT_ATTEMPTS} attempts must fit in the function timeout (${functionTimeoutMs} ms) minus the handler's ${ATTEMPT_RESERVE_MS} ms reserve`;
}
