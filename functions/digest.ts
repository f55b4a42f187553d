import { createDigestHandler, type DigestDeps, digestDepsFromEnv } from '../shared/app/digest.ts'
import { once } from '../shared/app/runtime.ts'

/**
 * Hourly: the signed digest of the findings history (shared/app/digest.ts): the heads of the findings
 * whose chain moved since the previous digest, a checkpoint of every head on a new day, signed with
 * the KMS signing key and stored in the Object Lock bucket.
 */
export const createHandler = (deps: () => DigestDeps, write?: (line: string) => void) =>
  createDigestHandler(deps, write)

export const handler = createHandler(once(() => digestDepsFromEnv()))
