import { getCheck } from '../checks/registry.ts'
import { FRAMEWORK_IDS, type Framework, getFramework, requirementsOf } from '../compliance/frameworks.ts'
import { getDetection } from '../detections/registry.ts'
import type { Finding, ResolutionReason, Suppression } from '../model/finding.ts'
import { type FindingRecord, recordFromFinding } from './records.ts'

/** A framework's requirements one finding is evidence for. */
export interface ComplianceRef {
  /** The framework's id: `cis-aws-5.0`. */
  framework: string
  /** Its name: `CIS AWS Foundations Benchmark v5.0.0`. */
  standard: string
  requirements: Array<{ id: string; title: string }>
}

/**
 * One stored finding as every export format sees it: the `findings --json` record, with what the
 * formats need beyond it. Dates are always present (a stored finding has them).
 */
export interface ExportRecord extends FindingRecord {
  /** A scheduled check's finding, or a real-time detection's. */
  source: 'check' | 'detection'
  resourceType: string
  firstOpenedAt: string
  lastTransitionAt: string
  resolvedAt: string | null
  /** Why it resolved, while it is resolved. */
  resolution?: ResolutionReason
  /** The suppression in force: a known, accepted problem (it keeps its real status). */
  suppression?: Suppression
  /** What to do about it: the check's remediation, or the detection's runbook. */
  remediation?: string
  /** The frameworks' requirements it is evidence for: the one asked for, or every framework's. */
  compliance: ComplianceRef[]
}

export interface ExportOptions {
  /** Only findings of this framework's checks and detections, with its requirements. */
  framework?: Framework
}

/** The frameworks' requirements a check or detection is evidence for, framework by framework. */
export function complianceOf(ruleId: string, frameworks: readonly Framework[]): ComplianceRef[] {
  return frameworks.flatMap((f) => {
    const requirements = requirementsOf(f, ruleId).map((r) => ({ id: r.id, title: r.title }))
    return requirements.length ? [{ framework: f.id, standard: f.name, requirements }] : []
  })
}

const ALL_FRAMEWORKS = FRAMEWORK_IDS.map((id) => getFramework(id)!)

/** The frameworks an export maps to: the one asked for, else all of them. */
export function frameworksFor(options: ExportOptions = {}): Framework[] {
  return options.framework ? [options.framework] : ALL_FRAMEWORKS
}

export function exportRecord(f: Finding, frameworks: readonly Framework[] = ALL_FRAMEWORKS): ExportRecord {
  const check = getCheck(f.checkId)
  const detection = check ? undefined : getDetection(f.checkId)
  const remediation = check?.remediation ?? detection?.runbook.join(' ')
  return {
    ...recordFromFinding(f),
    source: detection ? 'detection' : 'check',
    resourceType: f.resourceType,
    firstOpenedAt: f.firstOpenedAt,
    lastTransitionAt: f.lastTransitionAt,
    resolvedAt: f.status === 'RESOLVED' ? (f.resolvedAt ?? null) : null,
    ...(f.status === 'RESOLVED' && f.resolution ? { resolution: f.resolution } : {}),
    ...(f.suppression ? { suppression: f.suppression } : {}),
    ...(remediation ? { remediation } : {}),
    compliance: complianceOf(f.checkId, frameworks),
  }
}

/**
 * The export records of `findings`: with a framework, only those its requirements name (each carrying
 * their requirement ids); without, all of them, each with every framework's requirements it maps to.
 */
export function exportRecords(findings: readonly Finding[], options: ExportOptions = {}): ExportRecord[] {
  const records = findings.map((f) => exportRecord(f, frameworksFor(options)))
  return options.framework ? records.filter((r) => r.compliance.length > 0) : records
}
