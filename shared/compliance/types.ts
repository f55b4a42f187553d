/**
 * A compliance framework as iamwatch covers it: every control of the sections it is about, each with
 * the checks and detections that produce its evidence, or what an auditor must look at by hand.
 */
export interface Requirement {
  /** The framework's own number or control id: `1.3`, `IAM.4`. */
  id: string
  title: string
  /** The framework's section: `1 Identity and Access Management`, `IAM`. */
  section: string
  /** The ids of the checks and detections whose findings are evidence for it (empty: none is). */
  checks: readonly string[]
  /** What the auditor must check when no automation covers the requirement, or covers only part of it. */
  manual?: string
}

export interface Framework {
  /** The id the CLI takes: `cis-aws-5.0`. */
  id: string
  /** The standard's name as exports print it: `CIS AWS Foundations Benchmark v5.0.0`. */
  name: string
  version: string
  /** The sections covered, in order; every requirement belongs to one of them. */
  sections: readonly string[]
  requirements: readonly Requirement[]
}
