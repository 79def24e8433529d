/**
 * Every property test in `npm test` runs with one fixed seed, so CI runs the
 * same cases every time and a failure reproduces. FC_SEED=<n> explores other
 * cases (fast-check prints the seed and path of any counterexample).
 */
import fc from 'fast-check';

fc.configureGlobal({ seed: Number(process.env.FC_SEED ?? 20261203) });
