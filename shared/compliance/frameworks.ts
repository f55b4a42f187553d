import { CIS_AWS_3_0 } from './cis-aws-3.0.ts'
import { CIS_AWS_5_0 } from './cis-aws-5.0.ts'
import { FSBP } from './fsbp.ts'
import type { Framework, Requirement } from './types.ts'

export type { Framework, Requirement } from './types.ts'

/** The frameworks iamwatch maps its checks and detections to, by the id the CLI takes. */
export const COMPLIANCE_FRAMEWORKS = {
  'cis-aws-5.0': CIS_AWS_5_0,
  'cis-aws-3.0': CIS_AWS_3_0,
  fsbp: FSBP,
} as const satisfies Record<string, Framework>

export type FrameworkId = keyof typeof COMPLIANCE_FRAMEWORKS

export const FRAMEWORK_IDS = Object.keys(COMPLIANCE_FRAMEWORKS) as FrameworkId[]

export function getFramework(id: string): Framework | undefined {
  return Object.hasOwn(COMPLIANCE_FRAMEWORKS, id) ? COMPLIANCE_FRAMEWORKS[id as FrameworkId] : undefined
}

/** The requirements of `framework` a check's or detection's findings are evidence for. */
export function requirementsOf(framework: Framework, ruleId: string): Requirement[] {
  return framework.requirements.filter((r) => r.checks.includes(ruleId))
}

/** Every check and detection id `framework` names. */
export function ruleIdsOf(framework: Framework): Set<string> {
  return new Set(framework.requirements.flatMap((r) => r.checks))
}
