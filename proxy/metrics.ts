/**
 * What an operator needs to see, in the shape Redis shows it (INFO stats,
 * INFO commandstats). Counters only; nothing here holds keys or values.
 */
import type { BatchRequestOf, BatchResponseOf, BatchStats } from '../lambda/contract';

const MAX_ERROR_KINDS = 128;

interface CommandStat {
  calls: number;
  usec: number;
  failed: number;
}

export class Metrics {
  readonly startedAt = Date.now();
  connectionsReceived = 0;
  connectionsRejected = 0;
  connectedClients = 0;
  commandsProcessed = 0;
  protocolErrors = 0;
  /** Connections closed by an unexpected exception while serving them (each one logged with its stack). */
  internalErrors = 0;
  /** Times a connection hit its pipeline limit and reading was paused; connections paused now. */
  readPauses = 0;
  pausedClients = 0;
  batches = 0;
  batchCommands = 0;
  batchFailuresNotApplied = 0;
  batchFailuresUnknown = 0;
  batchesReplayed = 0;
  /** Replies of replayed batches that their commit had not kept (answered "outcome unknown"). */
  replayRepliesLost = 0;
  invokeMsTotal = 0;
  invokeMsMax = 0;
  s3Gets = 0;
  s3Puts = 0;
  conflicts = 0;
  /** Fold deltas this proxy's commits applied, and dropped as stale (lambda/pages/layout.ts §5). */
  foldsApplied = 0;
  foldsDropped = 0;
  /** Errors that escaped every handler (proxy/process-errors.ts); not reset by CONFIG RESETSTAT. */
  uncaughtErrors = 0;
  /** Connections waiting in a blocking command (BLPOP …) now; their retries sent, poll rounds, wake-ups by a commit. */
  blockedClients = 0;
  blockRetries = 0;
  blockPolls = 0;
  blockWakeups = 0;
  /** Key count after the most recent batch (for INFO keyspace). */
  keys: number | null = null;
  /** The database's bytes after the most recent batch (INFO used_memory; null until one answered). */
  usedBytes: number | null = null;
  /** Per-database counts after the most recent batch. */
  keyspace: NonNullable<BatchStats['keyspace']> = [];
  readonly commands = new Map<string, CommandStat>();
  readonly errors = new Map<string, number>();

  recordCommand(name: string, usec: number, errorPrefix: string | null): void {
    this.commandsProcessed++;
    let s = this.commands.get(name);
    if (!s) this.commands.set(name, (s = { calls: 0, usec: 0, failed: 0 }));
    s.calls++;
    s.usec += usec;
    if (errorPrefix !== null) {
      s.failed++;
      // Bounded like Redis's errorstats: a flood of odd errors can't grow the map.
      const kind = this.errors.has(errorPrefix) || this.errors.size < MAX_ERROR_KINDS ? errorPrefix : 'OTHER';
      this.errors.set(kind, (this.errors.get(kind) ?? 0) + 1);
    }
  }

  recordBatch(req: BatchRequestOf<unknown>, res: BatchResponseOf<unknown, unknown>, ms: number): void {
    this.batches++;
    this.batchCommands += req.sessions.reduce((n, s) => n + s.commands.length, 0);
    this.invokeMsTotal += ms;
    this.invokeMsMax = Math.max(this.invokeMsMax, ms);
    if (res.stats) {
      this.s3Gets += res.stats.s3Gets;
      this.s3Puts += res.stats.s3Puts;
      this.conflicts += res.stats.conflicts;
      if (res.stats.replayed) this.batchesReplayed++;
      this.replayRepliesLost += res.stats.repliesLost ?? 0;
      this.foldsApplied += res.stats.foldsApplied ?? 0;
      this.foldsDropped += res.stats.foldsDropped ?? 0;
      if (res.ok) {
        this.keys = res.stats.keys;
        if (res.stats.keyspace) this.keyspace = res.stats.keyspace;
        if (res.stats.usedBytes !== undefined) this.usedBytes = res.stats.usedBytes;
      }
    }
    if (!res.ok) {
      if (res.failure.kind === 'unknown') this.batchFailuresUnknown++;
      else this.batchFailuresNotApplied++;
    }
  }

  reset(): void {
    this.commands.clear();
    this.errors.clear();
    this.batches = this.batchCommands = this.invokeMsTotal = this.invokeMsMax = 0;
    this.s3Gets = this.s3Puts = this.conflicts = this.batchesReplayed = this.replayRepliesLost = this.foldsApplied = this.foldsDropped = 0;
    this.batchFailuresNotApplied = this.batchFailuresUnknown = this.protocolErrors = this.internalErrors = this.readPauses = 0;
    this.blockRetries = this.blockPolls = this.blockWakeups = 0;
  }
}
