/** Redis Lua scripting on fengari: pure, synchronous, no I/O (see run.ts). */
export { runScript, loadScript, sha1hex, ScriptStopped, DEFAULT_MEMORY_LIMIT, DEFAULT_SCRIPT_TIMEOUT_MS, type ScriptRun, type StopReason } from './run';
export { REDIS_VERSION } from './redis-api';
