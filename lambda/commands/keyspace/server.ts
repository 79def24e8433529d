/** TIME, WAIT and WAITAOF: the server's clock and durability, as a stateless engine can honestly state them. */
import { CommandError, NOT_INTEGER, outOfRange, TIMEOUT_NEGATIVE, TIMEOUT_NOT_INTEGER } from '../../errors';
import { parseInteger } from '../args';
import type { Args } from '../args';
import { bulk, int, specOf, type Command } from '../types';

/**
 * TIME: [seconds, microseconds] of the batch clock. There is no one server
 * whose clock this could be: each batch may run on another Lambda instance.
 * The batch clock is the time every command of the batch agrees on, the one
 * expiry is decided by (a key TTL calls expired is expired at this TIME), and
 * it is never earlier than any commit the batch sees, which an instance's
 * own clock could be. Millisecond resolution: the microseconds are a
 * multiple of 1000.
 */
export const time: Command = {
  spec: specOf('time'),
  run(args, { now }) {
    args.end();
    const seconds = Math.floor(now / 1000);
    return { t: 'array', v: [bulk(Buffer.from(String(seconds))), bulk(Buffer.from(String((now - seconds * 1000) * 1000)))] };
  },
};

/** A timeout in ms as Redis's getTimeoutFromObjectOrReply reads it (only checked: nothing waits). */
function timeout(args: Args): void {
  const t = parseInteger(args.next());
  if (t === null) throw new CommandError(TIMEOUT_NOT_INTEGER);
  if (t < 0n) throw new CommandError(TIMEOUT_NEGATIVE);
}

function long(args: Args): bigint {
  const n = parseInteger(args.next());
  if (n === null) throw new CommandError(NOT_INTEGER);
  return n;
}

/**
 * WAIT numreplicas timeout: 0, at once. There are no replicas to count or
 * wait for, and nothing to wait for either: a write is answered only once
 * its batch is committed to S3, and replies go out in order, so when the
 * client reads WAIT's reply every write it sent before WAIT is already as
 * durable as valthree makes anything. Waiting out the timeout would change
 * neither.
 */
export const wait: Command = {
  spec: specOf('wait'),
  run(args) {
    long(args);
    timeout(args);
    args.end();
    return int(0);
  },
};

/**
 * WAITAOF numlocal numreplicas timeout (Redis 7.2): [1, 0] at once. Local
 * is 1 for the same reason WAIT need not wait: the writes sent before it are
 * in S3 by the time its reply is read, which is what the local AOF fsync
 * promises in Redis (so numlocal 1 is met, never refused as with AOF off);
 * there are no replicas. Redis 7.2's argument checks and texts.
 */
export const waitaof: Command = {
  spec: specOf('waitaof'),
  run(args) {
    const local = long(args);
    if (local < 0n || local > 1n) throw new CommandError(outOfRange(0, 1));
    if (long(args) < 0n) throw new CommandError('ERR value is out of range, must be positive');
    timeout(args);
    args.end();
    return { t: 'array', v: [int(1), int(0)] };
  },
};
