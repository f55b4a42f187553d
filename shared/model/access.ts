/**
 * Access Advisor's service-last-accessed data (GetServiceLastAccessedDetails, ACTION_LEVEL), normalized
 * once: for one principal (user, role, group) or customer managed policy, every service its policies
 * allow, when it was last accessed (attempts count, denied ones too), and, for services AWS tracks at
 * action level, each tracked action. Absent `lastAccessed`: not accessed within the tracking period
 * (at least 400 days): "never".
 */
export interface ActionAccess {
  /** `service:Action`, the service prefix lower case (`s3:CreateBucket`). */
  action: string
  lastAccessed?: Date
  region?: string
}

export interface ServiceAccess {
  /** The service prefix, lower case (`s3`). */
  namespace: string
  /** AWS's name for it (`Amazon S3`). */
  name: string
  lastAccessed?: Date
  /** The principal that last accessed it (for a group or policy: one of its holders). */
  lastEntity?: string
  region?: string
  /** How many of the holders accessed it (groups and policies). */
  entities?: number
  /** Present when AWS tracks this service at action level: the tracked actions the policies allow. */
  trackedActions?: ActionAccess[]
}

/** One principal's or policy's report. `generatedAt`: when the job completed (usage lags it by ~4 h). */
export interface AccessReport {
  arn: string
  /** The id checks use for it: `user/<name>`, `role/<name>`, `group/<name>`, or a policy ARN. */
  resourceId: string
  generatedAt: Date
  services: ServiceAccess[]
  /** The IAM job it came from (its entities can be read with it, by the same caller). */
  jobId?: string
}

/** GetServiceLastAccessedDetailsWithEntities: which holders of a group or policy accessed a service. */
export interface EntityAccess {
  arn: string
  type: 'USER' | 'ROLE' | 'GROUP' | 'POLICY'
  name: string
  lastAccessed?: Date
}

/**
 * When grants were made, as the monitor saw them in CloudTrail (IAM itself records no attachment
 * dates): holder (`user/<name>`, `role/<name>`, `group/<name>`, or a policy ARN) -> what was granted
 * (a managed policy ARN, `inline:<name>`, `group:<name>` for a membership, `default` for a policy's
 * default version) -> when, the latest seen.
 */
export type GrantLedger = ReadonlyMap<string, ReadonlyMap<string, Date>>
