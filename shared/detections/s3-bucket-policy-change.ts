import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { publicStatements } from './policy-risk.ts'
import { defineDetection, type Hit } from './types.ts'

const SOURCE = 's3.amazonaws.com'

/** The bucket access changes CIS 4.8 lists, and the removal of the bucket's public access block (regional). */
const NAMES = [
  'PutBucketPolicy',
  'DeleteBucketPolicy',
  'PutBucketAcl',
  'PutBucketCors',
  'DeleteBucketCors',
  'PutBucketLifecycle',
  'DeleteBucketLifecycle',
  'PutBucketReplication',
  'DeleteBucketReplication',
  'DeleteBucketPublicAccessBlock',
] as const
const NAME_SET = new Set<string>(NAMES)

/** Canned ACLs that grant everyone (or every AWS account) access. */
const PUBLIC_CANNED = new Set(['public-read', 'public-read-write', 'authenticated-read'])
/** The grantee groups of everyone and of every authenticated AWS account. */
const PUBLIC_GROUP = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/

/**
 * Whether a PutBucketAcl makes the bucket public: a canned ACL (x-amz-acl, a string or a list in CloudTrail)
 * such as public-read, or a grant (x-amz-grant-* headers, or the AccessControlPolicy body) to the AllUsers or
 * AuthenticatedUsers group.
 */
function publicAcl(p: Readonly<Record<string, unknown>>): boolean {
  const acl = p['x-amz-acl']
  if (Array.isArray(acl) ? acl.some(publicCanned) : publicCanned(acl)) return true
  if (grantsPublic(p.AccessControlPolicy)) return true
  for (const k of Object.keys(p))
    if (k.toLowerCase().startsWith('x-amz-grant-') && grantsPublic(p[k])) return true
  return false
}

const publicCanned = (v: unknown) => typeof v === 'string' && PUBLIC_CANNED.has(v.toLowerCase())
/** A grant (the AccessControlPolicy body, an x-amz-grant-* header) that names the AllUsers or AuthenticatedUsers group. */
const grantsPublic = (g: unknown) => g !== undefined && PUBLIC_GROUP.test(JSON.stringify(g) ?? '')

const bucketOf = (e: CloudTrailEvent) => str(e.requestParameters.bucketName) ?? null

export const s3BucketPolicyChange = defineDetection({
  id: 's3-bucket-policy-change',
  title: 'An S3 bucket policy or access setting was changed',
  description:
    "A bucket's policy, ACL, CORS, lifecycle or replication configuration was put or deleted, or its public access block removed; critical when the new policy or ACL opens the bucket to everyone.",
  severity: 'medium',
  events: { kind: 'names', sources: [SOURCE], names: NAMES },
  params: {},
  match: (e): Hit | null => {
    if (e.eventSource !== SOURCE || !NAME_SET.has(e.eventName) || !succeeded(e)) return null
    const p = e.requestParameters
    if (e.eventName === 'PutBucketPolicy') {
      const open = publicStatements(p.bucketPolicy)
      if (open.length > 0)
        return {
          severity: 'critical',
          details: {
            public: true,
            publicStatements: open
              .map((s) => `${s.sid ?? '(no Sid)'}: ${s.actions.join(' ')}`)
              .join('; ')
              .slice(0, 500),
          },
        }
    }
    if (e.eventName === 'PutBucketAcl' && publicAcl(p))
      return { severity: 'critical', details: { public: true } }
    return {}
  },
  principal: principalOf,
  context: (e) => ({ bucket: bucketOf(e), change: e.eventName }),
  runbook: [
    "Read the bucket's current policy, ACL and public access block (`aws s3api get-bucket-policy`, `get-bucket-acl`, `get-public-access-block`) and confirm the change with the bucket's owner.",
    'If the bucket is now open to everyone or to an unknown account, restore the previous policy or ACL and re-enable Block Public Access; then review S3 data events for reads since the change.',
    'A lifecycle rule that expires objects or a replication rule to an unknown destination on a log or backup bucket is data destruction or exfiltration: remove it and suspend the caller.',
  ],
})
