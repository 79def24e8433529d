/**
 * The fast-check property of the differential test: for every random
 * sequence of commands, valthree and redis-server answer alike (allow-list.ts
 * says what "alike" allows). Shared by the jest suite and the long-run entry
 * point (main.ts).
 */
import fc from 'fast-check';
import { GENERATORS, KEYS, showStep, type Arg, type Step } from './commands';
import { Differential, Mismatch, type DifferentialSetup } from './runner';

/** A wrong number of arguments for a command of this (Redis) arity: one too few, or (fixed arity) one too many. */
function wrongArity(arity: number): fc.Arbitrary<Arg[]> {
  const words = Math.abs(arity) - 1; // arguments after the name
  const counts = [words - 1, ...(arity > 0 ? [words + 1] : [])].filter((n) => n >= 0);
  if (counts.length === 0) return fc.constant([]); // arity -1 (PING …): no wrong count exists; a correct call instead
  return fc.constantFrom(...counts).chain((n) => fc.array(fc.constantFrom<Arg>(...KEYS), { minLength: n, maxLength: n }));
}

/** One step: a command valthree lists, in one of its usable forms (or with a wrong number of arguments), its name in random case. */
export function stepArbitrary(setup: DifferentialSetup): fc.Arbitrary<Step> {
  const perCommand = setup.commands.map((name) => {
    const forms = GENERATORS[name].forms.filter((f) => f.needs === undefined || setup.features.has(f.needs)).map((f) => ({ weight: 6, arbitrary: f.arb }));
    forms.push({ weight: 1, arbitrary: wrongArity(setup.arity.get(name) ?? -1) });
    const spelled = fc.constantFrom(name.toUpperCase(), name);
    return fc.tuple(spelled, fc.oneof(...forms)).map(([n, args]): Step => ({ name: n, args }));
  });
  return fc.oneof(...perCommand);
}

/** A case: the sequence, printed one command a line in fast-check's counterexample. */
export function sequenceArbitrary(setup: DifferentialSetup, maxCommands: number): fc.Arbitrary<Step[]> {
  return fc.array(stepArbitrary(setup), { minLength: 1, maxLength: maxCommands }).map((steps) =>
    Object.assign(steps, { [fc.toStringMethod]: () => `[\n${steps.map((s) => `    ${showStep(s)}`).join('\n')}\n  ]` }),
  );
}

export interface DifferentialOptions {
  runs: number;
  seed: number;
  maxCommands: number;
  /** Called after each sequence (progress for long runs). */
  onSequence?: (n: number) => void;
}

export interface DifferentialResult {
  runs: number;
  failed: boolean;
  /** fast-check's report: seed, path, the shrunk counterexample, and the mismatch with its transcript. */
  report: string | undefined;
}

export async function runDifferential(diff: Differential, opts: DifferentialOptions): Promise<DifferentialResult> {
  let n = 0;
  const property = fc.asyncProperty(sequenceArbitrary(diff.setup, opts.maxCommands), async (steps) => {
    await diff.run(steps);
    opts.onSequence?.(++n);
  });
  const details = await fc.check(property, { numRuns: opts.runs, seed: opts.seed, endOnFailure: false });
  // fast-check's message names the seed and the shrunk case; the mismatch (with its transcript) is the error it caught.
  const error = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  const report = details.failed ? `${await fc.asyncDefaultReportMessage(details)}\n\n${error}` : undefined;
  // A failure that is not a mismatch (a connection refused, a timeout) is still a failure, reported the same way.
  return { runs: details.numRuns, failed: details.failed, report };
}

export { Mismatch };
