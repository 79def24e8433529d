/**
 * valthree's entry point: `npm start -- [flags]` (or `node proxy.js` in the
 * container). `--help` lists every flag and its environment variable.
 */
import { parseArgs, help, UsageError, type ProxySettings } from './config';
import { buildCluster, buildExecutor, buildServer } from './app';
import type { ClusterNode } from './cluster/node';
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
  let cluster: ClusterNode | null;
  try {
    const executor = buildExecutor(settings);
    await executor.ready();
    cluster = buildCluster(settings, executor, log);
    server = buildServer(settings, cluster?.forwarder ?? executor, log);
    // From here on an error that escapes every handler is logged and counted,
    // and the proxy keeps serving (see process-errors.ts). Before, nothing is
    // serving yet: Node's default (print the stack, exit non-zero) is right.
    installProcessErrorHandlers(process, log, server.metrics);
    await server.listen();
    await cluster?.start(server);
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
    // The lease goes first, so followers stop forwarding here while this proxy drains.
    void (cluster?.stop() ?? Promise.resolve())
      .catch((e: Error) => log.warn({ err: e.message }, 'leaving the cluster failed'))
      .then(() => server.shutdown())
      .then(() => process.exit(0));
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
