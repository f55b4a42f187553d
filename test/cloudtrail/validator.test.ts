import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { GENERATED, generate } from '../../scripts/gen-validators.ts'

describe('the compiled CloudTrail validator', () => {
  it('is generated from the current schema (run `npm run gen` after changing shared/cloudtrail/schema.ts)', () => {
    expect(readFileSync(GENERATED, 'utf8')).toBe(generate())
  })
})
