import { SimError } from '../errors.ts'
import type { SimAccount, SimTrail } from '../model.ts'

/** CloudTrail's JSON 1.1 actions (X-Amz-Target: CloudTrail_20131101.<Action>). */
export type JsonAction = (
  account: SimAccount,
  body: Record<string, unknown>,
  region: string,
) => Record<string, unknown>

/** The account that owns a trail: an organization trail's creator, else this account. */
const ownerOf = (account: SimAccount, t: SimTrail) => t.organization?.ownerAccountId ?? account.accountId

const trailArn = (account: SimAccount, t: SimTrail) =>
  `arn:aws:cloudtrail:${t.homeRegion}:${ownerOf(account, t)}:trail/${t.name}`

/** Listed in a region: multi-region trails in every region, single-region ones in their home region. */
const visibleIn = (t: SimTrail, region: string) => t.isMultiRegionTrail || t.homeRegion === region

/**
 * A shadow trail: the replication in this region of a trail created in another region, or of an
 * organization trail in a member account (DescribeTrails' includeShadowTrails).
 */
const isShadow = (account: SimAccount, t: SimTrail, region: string) =>
  t.homeRegion !== region || ownerOf(account, t) !== account.accountId

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

/** `*` matches any run of characters, as in an IAM policy's Resource. */
const matches = (pattern: string, arn: string) =>
  new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`).test(arn)

/**
 * The trail a read addresses (`key` of the body), as CloudTrail resolves it. An ARN names any trail
 * visible to the account: its own in any region, and an organization trail it is a member of. A name
 * is taken as this account's trail in the region of the request (a shadow trail of another region, or
 * another account's organization trail, must be addressed by ARN). IAM authorizes the ARN first.
 * GetEventSelectors is answered like GetTrailStatus: the API reference states the member-account ARN
 * rule for GetTrailStatus only, and tools that read both by ARN in member accounts report no failure.
 */
function trail(
  account: SimAccount,
  body: Record<string, unknown>,
  key: string,
  region: string,
  action: string,
): SimTrail {
  const ref = String(body[key] ?? '')
  const arn = ref.startsWith('arn:') ? ref : `arn:aws:cloudtrail:${region}:${account.accountId}:trail/${ref}`
  const grant = account.trailReadGrant
  if (grant && !grant.some((p) => matches(p, arn)))
    throw new SimError(
      'AccessDeniedException',
      400,
      `User: arn:aws:sts::${account.accountId}:assumed-role/caller/session is not authorized to perform: ` +
        `cloudtrail:${action} on resource: ${arn} because no identity-based policy allows the cloudtrail:${action} action`,
    )
  const t = account.trails.find((x) => trailArn(account, x) === arn)
  if (!t)
    throw new SimError(
      'TrailNotFoundException',
      400,
      `Unknown trail: ${arn} for the user: ${account.accountId}`,
    )
  return t
}

const DescribeTrails: JsonAction = (account, body, region) => ({
  trailList: account.trails
    .filter((t) => visibleIn(t, region))
    .filter((t) => body.includeShadowTrails !== false || !isShadow(account, t, region))
    .map((t) => ({
      Name: t.name,
      TrailARN: trailArn(account, t),
      HomeRegion: t.homeRegion,
      IsMultiRegionTrail: t.isMultiRegionTrail,
      IsOrganizationTrail: t.organization !== undefined,
      LogFileValidationEnabled: t.logFileValidationEnabled,
      S3BucketName: `${ownerOf(account, t)}-cloudtrail`,
      IncludeGlobalServiceEvents: true,
      HasCustomEventSelectors: t.eventSelectors !== undefined || t.advancedEventSelectors !== undefined,
    })),
})

const GetTrailStatus: JsonAction = (account, body, region) => {
  const t = trail(account, body, 'Name', region, 'GetTrailStatus')
  return { IsLogging: t.isLogging, LatestDeliveryTime: Math.floor(Date.now() / 1000) - 300 }
}

const GetEventSelectors: JsonAction = (account, body, region) => {
  const t = trail(account, body, 'TrailName', region, 'GetEventSelectors')
  if (t.advancedEventSelectors)
    return { TrailARN: trailArn(account, t), AdvancedEventSelectors: t.advancedEventSelectors }
  const selectors = t.eventSelectors ?? [{ IncludeManagementEvents: true, ReadWriteType: 'All' }]
  return {
    TrailARN: trailArn(account, t),
    EventSelectors: selectors.map((s) => ({ ...s, DataResources: [], ExcludeManagementEventSources: [] })),
  }
}

export const CLOUDTRAIL_ACTIONS: Readonly<Record<string, JsonAction>> = {
  DescribeTrails,
  GetTrailStatus,
  GetEventSelectors,
}

/** Access Analyzer's REST-JSON ListAnalyzers (GET /analyzer), per region. */
export function listAnalyzers(
  account: SimAccount,
  region: string,
  query: URLSearchParams,
): Record<string, unknown> {
  const type = query.get('type')
  return {
    analyzers: (account.analyzers.get(region) ?? [])
      .filter((a) => !type || a.type === type)
      .map((a) => ({
        arn: `arn:aws:access-analyzer:${region}:${account.accountId}:analyzer/${a.name}`,
        name: a.name,
        type: a.type,
        status: a.status,
        createdAt: '2025-01-01T00:00:00Z',
      })),
  }
}
