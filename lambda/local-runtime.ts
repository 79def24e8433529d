/**
 * A local stand-in for Lambda's execution model: each environment runs one
 * batch at a time and keeps its own warm cache; concurrent invocations get
 * more environments. Used by the proxy's in-process executor and by the test
 * emulator's Invoke API, so both behave like the real service.
 */
import type { BatchRequest, BatchResponse } from './contract';
import type { BatchHandler } from './handler';

export class LocalLambda {
  private readonly idle: BatchHandler[] = [];
  private readonly all: BatchHandler[] = [];

  /** `create` builds one execution environment (handler with its own cache). */
  constructor(private readonly create: () => BatchHandler, private readonly maxEnvironments = 64) {}

  get environments(): number {
    return this.all.length;
  }

  async invoke(req: BatchRequest): Promise<BatchResponse> {
    const env = this.idle.pop() ?? this.spawn();
    try {
      return await env(req);
    } finally {
      if (!this.idle.includes(env)) this.idle.push(env);
    }
  }

  private spawn(): BatchHandler {
    // Past the cap, share a busy environment: its handler queues the batch.
    if (this.all.length >= this.maxEnvironments) return this.all[Math.floor(Math.random() * this.all.length)];
    const env = this.create();
    this.all.push(env);
    return env;
  }
}
