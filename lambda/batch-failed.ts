/** How a batch ends when it cannot run: the handler answers the failure (contract.ts's FailureKind) instead of replies. */
import type { FailureKind } from './contract';

/** Ends a batch with a failure the client can act on (see FailureKind). */
export class BatchFailed extends Error {
  constructor(readonly kind: FailureKind, message: string) {
    super(message);
  }
}
