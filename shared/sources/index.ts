import type { CheckSources, Reading, Readings, SourceName } from '../checks/sources.ts'
import type { SourceScope } from '../engine/scope.ts'
import { accessAdvisorSource } from './access-advisor.ts'
import { analyzersSource } from './analyzers.ts'
import { authorizationSource } from './authorization.ts'
import { credentialsSource } from './credentials.ts'
import { organizationSource } from './organization.ts'
import { passwordPolicySource } from './password-policy.ts'
import { trailsSource } from './trails.ts'
import type { SourceContext, SourceModule } from './types.ts'

/** Every data source, by name. */
export const SOURCES: { [N in SourceName]: SourceModule<N> } = {
  credentials: credentialsSource,
  passwordPolicy: passwordPolicySource,
  authorization: authorizationSource,
  analyzers: analyzersSource,
  trails: trailsSource,
  accessAdvisor: accessAdvisorSource,
  organization: organizationSource,
}

/** Reads one source for a scope; a source that throws is a reading with nothing in it. */
export async function collectSource<N extends SourceName>(
  ctx: SourceContext,
  name: N,
  scope: SourceScope,
): Promise<Reading<CheckSources[N]>> {
  try {
    return await SOURCES[name].collect(ctx, scope)
  } catch (err) {
    return {
      complete: false,
      asOf: ctx.now,
      problems: [`${name}: ${(err as Error).message}`],
      partial: new Map(),
    }
  }
}

export type { Readings }
