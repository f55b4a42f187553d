import { SimError } from '../errors.ts'
import type { SimAccount, SimTrail } from '../model.ts'

/** CloudTrail's JSON 1.1 actions (X-Amz-Target: CloudTrail_20131101.<Action>). */
export type JsonAction = (
  account: SimAccount,
  body: Record<string, unknown>,
  region: string,
) => Record<string, unknown>

const trailArn = (account: SimAccount, t: SimTrail) =>
  `arn:aws:cloudtrail:${t.homeRegion}:${account.accountId}:trail/${t.name}`

function trail(account: SimAccount, body: Record<string, unknown>, key: string): SimTrail {
  const ref = String(body[key] ?? '')
  const t = account.trails.find((x) => x.name === ref || trailArn(account, x) === ref)
  if (!t)
    throw new SimError(
      'TrailNotFoundException',
      400,
      `Unknown trail: ${ref} for the user: ${account.accountId}`,
    )
  return t
}

const DescribeTrails: JsonAction = (account, _body, region) => ({
  // Multi-region trails show in every region; single-region ones in their home region.
  trailList: account.trails
    .filter((t) => t.isMultiRegionTrail || t.homeRegion === region)
    .map((t) => ({
      Name: t.name,
      TrailARN: trailArn(account, t),
      HomeRegion: t.homeRegion,
      IsMultiRegionTrail: t.isMultiRegionTrail,
      LogFileValidationEnabled: t.logFileValidationEnabled,
      S3BucketName: `${account.accountId}-cloudtrail`,
      IncludeGlobalServiceEvents: true,
      HasCustomEventSelectors: t.eventSelectors !== undefined || t.advancedEventSelectors !== undefined,
    })),
})

const GetTrailStatus: JsonAction = (account, body) => {
  const t = trail(account, body, 'Name')
  return { IsLogging: t.isLogging, LatestDeliveryTime: Math.floor(Date.now() / 1000) - 300 }
}

const GetEventSelectors: JsonAction = (account, body) => {
  const t = trail(account, body, 'TrailName')
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
