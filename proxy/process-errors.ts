/**
 * The last line of defence: errors that escaped every other handler (a
 * rejected promise nobody awaited, an exception thrown from a callback). Each
 * session has its own error boundary, so reaching here means a bug. The error
 * is logged with its stack, counted (INFO stats: valthree_uncaught_errors),
 * and the proxy keeps serving.
 *
 * Keeping on after an uncaught exception, which Node's documentation says
 * leaves the process in an undefined state, is a choice: the proxy holds no
 * state that outlives a request. Every write is committed to db.json (one
 * conditional PUT) before it is acknowledged, so what an interrupted callback
 * can leave half-done is one connection's or one batch's bookkeeping, whose
 * clients see an error or a timeout at worst. Exiting would instead cut every
 * client of this proxy, the healthy ones too, until a replacement starts. A
 * fault that recurs shows in the counter and the logs.
 */
import type { EventEmitter } from 'node:events';
import type { Logger } from './log';

/** Where the count goes: the server's Metrics. */
export interface UncaughtErrorCounter {
  uncaughtErrors: number;
}

/** Installs the handlers on `proc` (the process, or a stand-in in tests); returns their removal. */
export function installProcessErrorHandlers(proc: EventEmitter, log: Logger, counter: UncaughtErrorCounter): () => void {
  const report = (err: unknown, msg: string): void => {
    counter.uncaughtErrors++;
    try {
      // `err` goes through pino's error serializer: type, message and stack.
      log.error({ err }, msg);
    } catch {
      // A logger that throws must not turn one error into an endless loop of them.
      process.stderr.write(`valthree: ${msg}: ${err instanceof Error ? err.stack : String(err)}\n`);
    }
  };
  const onRejection = (reason: unknown): void => report(reason, 'unhandled promise rejection; still serving');
  const onException = (err: unknown): void => report(err, 'uncaught exception; still serving');
  proc.on('unhandledRejection', onRejection);
  proc.on('uncaughtException', onException);
  return () => {
    proc.off('unhandledRejection', onRejection);
    proc.off('uncaughtException', onException);
  };
}
