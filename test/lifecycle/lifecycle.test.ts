import fc from 'fast-check'
import { describe, it } from 'vitest'
import { lifecycleProperty, type Stats } from './world.ts'

/**
 * Bounded here; `npm run soak -- --runs N --seed S` runs more. A failure prints the seed and the
 * shrunk sequence of steps (fast-check's counterexample and replay path).
 */
describe('the findings lifecycle (model-based)', () => {
  it('never resolves a finding whose condition holds, matches ground truth after a fresh scan, alerts each transition once and keeps every chain whole', async () => {
    const stats: Stats = { steps: 0 }
    await fc.assert(lifecycleProperty(30, stats), {
      numRuns: 40,
      seed: Number(process.env.LIFECYCLE_SEED ?? 20261130),
    })
  }, 240_000)
})
