/**
 * Redis 7's error texts, in one place: clients and users recognise them, and
 * the differential tests compare them byte for byte. Data only, no I/O: the
 * proxy and the engine both read it.
 */

export const SYNTAX_ERROR = 'ERR syntax error';
export const NOT_INTEGER = 'ERR value is not an integer or out of range';
export const NOT_FLOAT = 'ERR value is not a valid float';
export const OVERFLOW = 'ERR increment or decrement would overflow';
export const WRONG_TYPE = 'WRONGTYPE Operation against a key holding the wrong kind of value';
export const OOM = "OOM command not allowed when used memory > 'maxmemory'.";
export const EMPTY_COMMAND = 'ERR empty command';

/**
 * A command's own error, thrown from deep inside argument parsing or a value
 * conversion and turned into its `-ERR …` reply by the engine. Throwing keeps
 * every command's happy path straight; nothing it changed before the throw is
 * undone (Redis never validates half-way and then rolls back either: every
 * command checks its arguments before it writes).
 */
export class CommandError extends Error {
  constructor(readonly reply: string) {
    super(reply);
  }
}

export function wrongArity(name: string): string {
  return `ERR wrong number of arguments for '${name}' command`;
}

/** As Redis does: arguments are listed while the list is under 128 bytes, the last one cut to fit. */
export function unknownCommand(name: Buffer, args: readonly Buffer[]): string {
  let shown = '';
  for (const a of args) {
    if (shown.length >= 128) break;
    shown += `'${printable(a, 128 - shown.length)}' `;
  }
  return `ERR unknown command '${printable(name, 128)}', with args beginning with: ${shown}`;
}

export function unknownSubcommand(sub: Buffer, command: string): string {
  return `ERR unknown subcommand '${printable(sub, 128)}'. Try ${command.toUpperCase()} HELP.`;
}

/** Error texts are single RESP lines: no CR/LF, and bounded. */
function printable(b: Buffer, max: number): string {
  return b.subarray(0, max).toString('latin1').replace(/[\r\n]/g, ' ');
}

// Keys, expiry and databases (checked against redis-server 7.0.15).
export const NO_SUCH_KEY = 'ERR no such key';
export const SAME_OBJECT = 'ERR source and destination objects are the same';
export const DB_OUT_OF_RANGE = 'ERR DB index is out of range';
export const INVALID_CURSOR = 'ERR invalid cursor';
export const TIMEOUT_NOT_INTEGER = 'ERR timeout is not an integer or out of range';
export const TIMEOUT_NEGATIVE = 'ERR timeout is negative';

/** getRangeLongFromObjectOrReply's text when no message of the command's own is given. */
export function outOfRange(min: bigint | number, max: bigint | number): string {
  return `ERR value is out of range, value must between ${min} and ${max}`;
}

export function invalidExpireTime(command: string): string {
  return `ERR invalid expire time in '${command}' command`;
}
