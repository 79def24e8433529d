/**
 * A session's engine commands: consecutive ones leave together as one
 * submission to the batcher, within the submission limits.
 */
import { encodedSize, type Batcher } from '../batcher';
import type { ServerInfo, SessionState } from '../local';
import { array, error, type Reply } from '../resp/reply';
import type { ExecPlan, RemoteStep, Step } from './steps';
import { finishExec, recordWatch } from './transaction';
import type { RequestQueue } from './queue';

/** Engine commands consumed from the head of the queue, to be submitted together. */
export interface Run {
  steps: RemoteStep[];
  /** Any of them writes: the run waits for the next write batch. */
  write: boolean;
  /** The connection's database when the run was taken (SELECT is a barrier, so it holds for the whole run). */
  db: number;
}

/**
 * Consumes the engine commands that go out together, starting with `first`
 * (the head of the queue): up to the submission limits, and never past a
 * local command (a barrier: it must see everything before it done).
 */
export function takeRun(first: RemoteStep, queue: RequestQueue, peek: () => Step | null, limits: { maxSubmitCommands: number; maxSubmitBytes: number }, db: number): Run {
  const steps: RemoteStep[] = [];
  let write = false;
  let bytes = 0;
  let step: Step | null = first;
  while (step && step.kind === 'remote' && steps.length < limits.maxSubmitCommands) {
    const size = encodedSize(step.payload ?? step.argv);
    if (steps.length > 0 && bytes + size > limits.maxSubmitBytes) break;
    bytes += size;
    write ||= step.write;
    steps.push(step);
    queue.shift();
    // Commands after a blocking one wait until it is answered (as in Redis): it ends the run.
    if (step.blocks) break;
    step = peek();
  }
  return { steps, write, db };
}

/**
 * Submits a run and resolves with one reply per executed command (at least
 * one), and the time it took. Commands the handler did not get to (it stopped
 * at its response budget) go back to the front of the queue, for the next
 * submission.
 */
export async function submitRun(batcher: Batcher, run: Run, queue: RequestQueue, splitTransactions = false): Promise<{ replies: Reply[]; usec: number }> {
  const started = process.hrtime.bigint();
  const exec = run.steps[0].exec;
  let replies =
    splitTransactions && exec
      ? [await submitSplit(batcher, exec, run.db)]
      : await batcher.submit(
          run.steps.map((s) => s.payload ?? s.argv),
          run.write,
          run.db,
        );
  if (replies.length === 0) {
    // The handler could not fit even one reply, and undid that command: never loop on it.
    replies = [error(`ERR reply too large for one Lambda response; the ${run.steps[0].name === 'exec' ? 'transaction' : 'command'} was not applied`)];
  }
  const usec = Number(process.hrtime.bigint() - started) / 1000;
  if (replies.length < run.steps.length) queue.unshift(run.steps.slice(replies.length).map((s) => s.argv));
  // More replies than commands would be a handler bug; the extra ones answer nothing.
  return { replies: replies.length > run.steps.length ? replies.slice(0, run.steps.length) : replies, usec };
}

/**
 * Test only (--unsafe-split-transactions, the broken mode the workload must
 * catch): EXEC's engine commands leave one by one, each in its own batch, so
 * other connections' commands run between them and WATCH is not checked.
 */
async function submitSplit(batcher: Batcher, plan: ExecPlan, db: number): Promise<Reply> {
  const replies: Reply[] = [];
  for (const q of plan.queued) {
    if (q.local !== null) continue;
    const [r] = await batcher.submit([q.argv], q.write, db);
    replies.push(r ?? error('ERR reply too large for one Lambda response'));
  }
  return array(replies);
}

const COMPILE_ERROR = 'ERR Error compiling script';

/** A remote step's reply as the client gets it: EXEC's assembled, WATCH's kept and answered +OK. */
export function settle(step: RemoteStep, reply: Reply, s: SessionState, server: ServerInfo, db: number): Reply {
  if (step.exec) return finishExec(step.exec, reply, s, server);
  if (step.name === 'watch') return recordWatch(step.argv, reply, s, db);
  if (step.name === 'eval' || step.name === 'eval_ro') {
    // As Redis, EVAL caches its script once it compiled, whatever it did at run time.
    if (reply.t !== 'error' || !reply.v.startsWith(COMPILE_ERROR)) server.scripts.add(step.argv[1]);
  } else if (step.name === 'script' && reply.t === 'bulk') {
    server.scripts.add(step.argv[2]);
  }
  return reply;
}
