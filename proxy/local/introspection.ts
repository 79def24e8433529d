/** INFO and CONFIG GET: what clients ask while connecting, and what operators read. */
import { array, bulk, error, map, OK, type Reply } from '../resp/reply';
import { specOf, type LocalCommand, type ServerInfo, type SessionState } from './types';

const SECTIONS = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'commandstats', 'errorstats', 'keyspace'] as const;
type Section = (typeof SECTIONS)[number];
const DEFAULT_SECTIONS: Section[] = ['server', 'clients', 'memory', 'persistence', 'stats', 'replication', 'cpu', 'keyspace'];

function serverSection(server: ServerInfo): string[] {
  const uptime = Math.floor((Date.now() - server.metrics.startedAt) / 1000);
  return [
    `redis_version:${server.version}`,
    'redis_mode:standalone',
    'valthree:1',
    `valthree_executor:${server.executor}`,
    `os:${process.platform} ${process.arch}`,
    `process_id:${process.pid}`,
    `tcp_port:${server.port}`,
    `uptime_in_seconds:${uptime}`,
    `uptime_in_days:${Math.floor(uptime / 86400)}`,
  ];
}

function memorySection(server: ServerInfo): string[] {
  const mem = process.memoryUsage();
  return [
    // What maxmemory bounds, as Redis compares them: the database's bytes (root and pages) as the last batch saw them.
    `used_memory:${server.metrics.usedBytes ?? 0}`,
    `valthree_heap_used:${mem.heapUsed}`,
    `used_memory_rss:${mem.rss}`,
    // Node's view: buffers live outside the JS heap.
    `valthree_heap_total:${mem.heapTotal}`,
    `valthree_external:${mem.external}`,
    `valthree_array_buffers:${mem.arrayBuffers}`,
    `maxmemory:${server.maxDocumentBytes}`,
    'maxmemory_policy:noeviction',
  ];
}

function statsSection({ metrics: m }: ServerInfo): string[] {
  const avg = (total: number) => (m.batches ? (total / m.batches).toFixed(2) : '0.00');
  return [
    `total_connections_received:${m.connectionsReceived}`,
    `rejected_connections:${m.connectionsRejected}`,
    `total_commands_processed:${m.commandsProcessed}`,
    `total_error_replies:${[...m.errors.values()].reduce((a, b) => a + b, 0)}`,
    `protocol_errors:${m.protocolErrors}`,
    `valthree_internal_errors:${m.internalErrors}`,
    `valthree_read_pauses:${m.readPauses}`,
    `valthree_batches:${m.batches}`,
    `valthree_batch_commands:${m.batchCommands}`,
    `valthree_avg_batch_size:${avg(m.batchCommands)}`,
    `valthree_invoke_avg_ms:${avg(m.invokeMsTotal)}`,
    `valthree_invoke_max_ms:${m.invokeMsMax.toFixed(2)}`,
    `valthree_s3_gets:${m.s3Gets}`,
    `valthree_s3_puts:${m.s3Puts}`,
    `valthree_s3_conflicts:${m.conflicts}`,
    `valthree_batches_replayed:${m.batchesReplayed}`,
    `valthree_replay_replies_lost:${m.replayRepliesLost}`,
    `valthree_folds_applied:${m.foldsApplied}`,
    `valthree_folds_dropped:${m.foldsDropped}`,
    `valthree_failed_not_applied:${m.batchFailuresNotApplied}`,
    `valthree_failed_outcome_unknown:${m.batchFailuresUnknown}`,
    `valthree_uncaught_errors:${m.uncaughtErrors}`,
    `valthree_block_retries:${m.blockRetries}`,
    `valthree_block_polls:${m.blockPolls}`,
    `valthree_block_wakeups:${m.blockWakeups}`,
  ];
}

/** Each INFO section's lines, in Redis's field names where Redis has one. */
const SECTION_LINES: Record<Section, (server: ServerInfo) => string[]> = {
  server: serverSection,
  clients: ({ metrics: m, maxclients }) => [`connected_clients:${m.connectedClients}`, `maxclients:${maxclients}`, `blocked_clients:${m.blockedClients}`, `valthree_paused_clients:${m.pausedClients}`],
  memory: memorySection,
  // ioredis waits for loading:0 before it reports ready.
  persistence: () => ['loading:0', 'async_loading:0', 'rdb_bgsave_in_progress:0', 'aof_enabled:0'],
  stats: statsSection,
  replication: () => ['role:master', 'connected_slaves:0'],
  cpu: () => {
    const u = process.cpuUsage();
    return [`used_cpu_sys:${(u.system / 1e6).toFixed(6)}`, `used_cpu_user:${(u.user / 1e6).toFixed(6)}`];
  },
  commandstats: ({ metrics: m }) =>
    [...m.commands].map(([cmd, s]) => `cmdstat_${cmd}:calls=${s.calls},usec=${Math.round(s.usec)},usec_per_call=${s.calls ? (s.usec / s.calls).toFixed(2) : '0.00'},rejected_calls=0,failed_calls=${s.failed}`),
  errorstats: ({ metrics: m }) => [...m.errors].map(([e, n]) => `errorstat_${e}:count=${n}`),
  keyspace: ({ metrics: m }) => m.keyspace.map((k) => `db${k.db}:keys=${k.keys},expires=${k.expires},avg_ttl=${k.avgTtl}`),
};

const section = (name: Section, server: ServerInfo): string[] => SECTION_LINES[name](server);

export const info: LocalCommand = {
  spec: specOf('info'),
  run(args, _s: SessionState, server) {
    const asked = args.map((a) => a.toString('latin1').toLowerCase());
    let chosen: Section[];
    if (asked.length === 0 || asked.includes('default')) chosen = DEFAULT_SECTIONS;
    else if (asked.includes('all') || asked.includes('everything')) chosen = [...SECTIONS];
    else chosen = SECTIONS.filter((s) => asked.includes(s));
    const text = chosen.map((s) => [`# ${s[0].toUpperCase()}${s.slice(1)}`, ...section(s, server)].join('\r\n')).join('\r\n\r\n');
    return bulk(`${text}\r\n`);
  },
};

function configValues(server: ServerInfo): [string, string][] {
  return [
    ['save', ''],
    ['appendonly', 'no'],
    ['databases', '1'],
    ['maxmemory', String(server.maxDocumentBytes)],
    ['maxmemory-policy', 'noeviction'],
    ['maxclients', String(server.maxclients)],
    ['timeout', String(server.timeoutSeconds)],
    ['port', String(server.port)],
  ];
}

/** Redis-style glob (`*`, `?`, `[...]`), case-insensitive as CONFIG GET is. */
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '.*' : c === '?' ? '.' : c === '[' || c === ']' ? c : c.replace(/[.+^${}()|\\]/g, '\\$&');
  try {
    return new RegExp(`^${re}$`, 'i');
  } catch {
    return /^$/;
  }
}

export const config: LocalCommand = {
  spec: specOf('config'),
  run([sub, ...rest], s, server) {
    const name = sub.toString('latin1').toLowerCase();
    if (name === 'get') {
      if (rest.length === 0) return error("ERR wrong number of arguments for 'config|get' command");
      const patterns = rest.map((p) => globToRegExp(p.toString('latin1')));
      const pairs = configValues(server).filter(([k]) => patterns.some((p) => p.test(k)));
      const entries: [Reply, Reply][] = pairs.map(([k, v]) => [bulk(k), bulk(v)]);
      return s.protocol === 3 ? map(entries) : array(entries.flat());
    }
    if (name === 'resetstat') {
      server.metrics.reset();
      return OK;
    }
    if (name === 'set') return error('ERR CONFIG SET is not supported by valthree; use its command-line flags');
    return error(`ERR unknown subcommand '${sub.toString('latin1').slice(0, 128)}'. Try CONFIG HELP.`);
  },
};
