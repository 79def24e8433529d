/**
 * What every blocking command (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP,
 * BZPOPMIN, BZPOPMAX, XREAD BLOCK) shares: its timeout argument, and the
 * reply that tells the proxy to park the connection and try again later
 * (BlockedReply in lambda/contract.ts). The engine never waits: a blocking
 * command runs like its non-blocking form, and only when that finds nothing
 * does it answer "blocked" — so every attempt is an ordinary, linearizable
 * command of some batch, and a pop happens only in a batch that commits.
 */
import type { Reply } from '../contract';
import { CommandError } from '../errors';
import type { CommandContext } from './context';

export const TIMEOUT_NOT_FLOAT = 'ERR timeout is not a float or out of range';
export const TIMEOUT_IS_NEGATIVE = 'ERR timeout is negative';

/** Redis caps a blocking timeout where its millisecond clock would overflow. */
const MAX_TIMEOUT_MS = Number.MAX_SAFE_INTEGER / 2;

/**
 * A timeout in seconds (BLPOP … 1.5), as Redis 7 reads it: a float, not
 * negative, 0 meaning forever; returned in whole milliseconds (rounded up, so
 * 0.0001 s still blocks rather than meaning forever).
 */
export function parseTimeoutSeconds(arg: Buffer): number {
  const text = arg.toString('latin1');
  const s = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text) ? Number(text) : NaN;
  if (!Number.isFinite(s)) throw new CommandError(TIMEOUT_NOT_FLOAT);
  if (s < 0) throw new CommandError(TIMEOUT_IS_NEGATIVE);
  const ms = Math.ceil(s * 1000);
  if (ms > MAX_TIMEOUT_MS) throw new CommandError(TIMEOUT_NOT_FLOAT);
  return ms;
}

/**
 * The reply of a blocking command that found nothing: "blocked" for a
 * client's own command, `onTimeout` at once inside MULTI or a script.
 * `retry` is the argv to send again (usually the command itself).
 */
export function blockOr(ctx: CommandContext, onTimeout: Reply, retry: Buffer[], keys: Buffer[], timeoutMs: number): Reply {
  if (!ctx.mayBlock) return onTimeout;
  // Copies: the proxy keeps them while the client waits, and an argument
  // may be a view into a larger buffer the connection received.
  return { t: 'blocked', retry: retry.map((a) => Buffer.from(a)), keys: keys.map((k) => Buffer.from(k)), timeoutMs, onTimeout };
}
