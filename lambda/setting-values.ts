/**
 * Parsers for settings that arrive as strings: the Lambda's environment
 * (lambda/config.ts) and the proxy's flags and environment (proxy/config.ts).
 * One set, so a value means the same to both. Absent or empty means the
 * default; anything else that does not parse is refused, naming the setting,
 * rather than silently read as something else.
 */

export class SettingError extends Error {}

const TRUE = /^(1|true|yes|on)$/i;
const FALSE = /^(0|false|no|off)$/i;

export function boolean(v: string | undefined, dflt: boolean, name: string): boolean {
  if (v === undefined || v === '') return dflt;
  if (TRUE.test(v)) return true;
  if (FALSE.test(v)) return false;
  throw new SettingError(`${name} must be 1, true, yes or on, or 0, false, no or off, got ${JSON.stringify(v)}`);
}

export function integer(v: string | undefined, dflt: number, name: string, min = 0): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new SettingError(`${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
}

export function positive(v: string | undefined, dflt: number, name: string): number {
  if (v === undefined || v === '') return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new SettingError(`${name} must be a positive number, got ${JSON.stringify(v)}`);
  return n;
}

export function oneOf<T extends string>(v: string | undefined, allowed: readonly T[], dflt: T, name: string): T {
  if (v === undefined || v === '') return dflt;
  if (!(allowed as readonly string[]).includes(v)) throw new SettingError(`${name} must be one of ${allowed.join(', ')}, got ${JSON.stringify(v)}`);
  return v as T;
}
