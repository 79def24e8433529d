/**
 * valthree's entry point: `npm start -- [flags]` (or `node proxy.js` in the
 * container). `--help` lists every flag and its environment variable.
 */
import { parseArgs, help, UsageError, type ProxySettings } from './config';
import { buildExecutor, buildServer } from './app';
import { createLogger } from './log';
import { installProcessErrorHandlers } from './process-errors';
import type { ValthreeServer } from './server';

async function main(): Promise<void> {
  let settings: ProxySettings;
  try {
    settings = parseArgs(process.argv.slice(2));
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`valthree: ${e.message}\n\n${help()}`);
    process.exit(2);
  }
  if (settings.help) {
    process.stdout.write(help());
    return;
  }
  const log = createLogger(settings.logLevel);
  let server: ValthreeServer;
  try {
    const executor = buildExecutor(settings);
    await executor.ready();
    server = buildServer(settings, executor, log);
    // From here on an error that escapes every handler is logged and counted,
    // and the proxy keeps serving (see process-errors.ts). Before, nothing is
    // serving yet: Node's default (print the stack, exit non-zero) is right.
    installProcessErrorHandlers(process, log, server.metrics);
    await server.listen();
  } catch (e) {
    // A clear one-line reason (port in use, data dir locked, bad flag) and
    // exit 1; the log line keeps the stack, for a failure nobody expected.
    log.fatal({ err: e }, 'valthree cannot start');
    process.stderr.write(`valthree: ${(e as Error).message}\n`);
    process.exit(1);
  }
  let signals = 0;
  const stop = (signal: string) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    log.info({ signal }, 'draining');
    void server.shutdown().then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
