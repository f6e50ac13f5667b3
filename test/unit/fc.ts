/**
 * fast-check for the property tests, on a fixed seed so that a run of the suite is repeatable: a failure seen
 * once is seen again. `FC_SEED=<n>` runs the properties on another seed, `FC_SEED=random` on a new one each run
 * (`npm run test:fuzz`); fast-check prints the seed and the counterexample of a failure.
 */
import fc from 'fast-check';

const seed = process.env.FC_SEED;
if (seed !== 'random') {
  const n = Number(seed ?? 20261204);
  if (!Number.isInteger(n)) throw new Error(`FC_SEED must be an integer or "random", not ${JSON.stringify(seed)}`);
  fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: n });
}

export default fc;
