/**
 * Structured JSON logs (pino). Connection open/close and errors at info,
 * per-command detail only at debug. Keys, values and passwords are never logged.
 */
import pino from 'pino';

export type Logger = pino.Logger;

export function createLogger(level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, base: { service: 'valthree-proxy' }, redact: ['password', 'requirepass'] });
}
