/**
 * A connection in a blocking command (BLPOP, BZPOPMIN, XREAD BLOCK …) that
 * found nothing: it parks (proxy/blocking.ts) and sends the command's
 * `retry` again, as an ordinary write batch, whenever it is woken, until the
 * command answers, its timeout passes, or the connection goes. The
 * connection's later commands wait behind it, as in Redis, because the
 * session's pump awaits this.
 *
 * Each retry is a whole command of some batch: either it changed nothing
 * (blocked again) or it popped and committed, and its reply is the answer.
 * A connection closed while its retry is in flight loses what that retry
 * popped, as a Redis client does whose connection drops as it is served.
 */
import type { BlockedReply } from '../../lambda/contract';
import type { Batcher } from '../batcher';
import type { ParkedClients } from '../blocking';
import type { Metrics } from '../metrics';
import { error, type Reply } from '../resp/reply';

export interface BlockedContext {
  batcher: Batcher;
  parked: ParkedClients;
  metrics: Metrics;
  /** Aborted when the connection closes or the proxy drains. */
  signal: AbortSignal;
}

/**
 * Replies of a retry that leave the client blocked: a batch that was not
 * applied (S3 or Lambda trouble: nothing happened, try at the next wake),
 * and a key that now holds another type (Redis 7.0 leaves such a client
 * blocked until a list, zset or stream appears there).
 */
const stillBlocked = (r: Reply): r is Extract<Reply, { t: 'error' }> => r.t === 'error' && (r.v.startsWith('TRYAGAIN ') || r.v.startsWith('WRONGTYPE '));

/**
 * Waits out a blocked command; resolves with its reply, or null when the
 * connection went away (or the proxy drains) first. `since` is the commit
 * generation the first attempt was sent at (see ParkedClients).
 *
 * At the deadline it asks once more before answering the timeout reply: a
 * write through another proxy may have filled a key since the last attempt,
 * and nothing but a retry can tell (the block poll may not have come round).
 * Answering "nothing" while an element sat in the list throughout the wait
 * would not be linearizable; the last attempt reads S3 after the deadline.
 */
export async function untilUnblocked(first: BlockedReply, db: number, since: number, c: BlockedContext): Promise<Reply | null> {
  const deadline = first.timeoutMs === 0 ? Infinity : Date.now() + first.timeoutMs;
  let block = first;
  c.metrics.blockedClients++;
  try {
    for (;;) {
      const why = await c.parked.park({ db, keys: block.keys, deadline, since, signal: c.signal });
      if (why === 'aborted') return null;
      const last = why === 'timeout';
      since = c.parked.generation;
      c.metrics.blockRetries++;
      const [r] = await c.batcher.submit([block.retry], true, db);
      if (c.signal.aborted) return null;
      if (r === undefined) return error('ERR reply too large for one Lambda response; the command was not applied');
      if (r.t === 'blocked') {
        if (last) return block.onTimeout;
        block = r;
      } else if (!stillBlocked(r)) return r;
      // Nothing was applied by the last attempt: say so (TRYAGAIN) rather
      // than "nothing there", which it could not see; a key of another type
      // times out as in Redis.
      else if (last) return r.v.startsWith('WRONGTYPE ') ? block.onTimeout : r;
    }
  } finally {
    c.metrics.blockedClients--;
  }
}
