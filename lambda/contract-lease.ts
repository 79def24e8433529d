/** The writer lease in the contract (lambda/contract.ts re-exports these). */

/**
 * The writer lease (`<key>.writer`, beside the document): which proxy folds
 * every proxy's writes into its group commit. Taken and renewed with
 * conditional writes by the handler, so the proxies need no S3 access. Only
 * a hint: correctness never depends on it (every commit is conditional).
 */
export interface LeaseClaim {
  /** The proxy asking: it takes or renews the lease unless another holds it unexpired. */
  holder: string;
  /** Where the holder accepts forwarded writes (host:port on the internal network). */
  address: string;
  /** How long the lease runs from now (the handler's clock); 0 releases a lease this holder has. */
  ttlMs: number;
}

export interface LeaseState {
  /** The holder now (null: nobody, or unknown after an ambiguous write). */
  holder: string | null;
  address: string | null;
  /** Milliseconds the lease has left, by the handler's clock when it answered. */
  remainingMs: number;
}
