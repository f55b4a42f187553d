import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail'
import type { TrailState, UnreadableTrail } from '../checks/sources.ts'
import { sanitizeForLog } from '../normalize/rejection.ts'
import { awsClient, type ClientOverrides, errorCode, mapLimit } from './clients.ts'

export function cloudTrailClient(o: ClientOverrides = {}): CloudTrailClient {
  return awsClient(CloudTrailClient, 'CloudTrail', o)
}

/** Management events a trail records, from basic or advanced event selectors. */
function managementEvents(
  out: Awaited<ReturnType<CloudTrailClient['send']>> & Record<string, unknown>,
): TrailState['managementEvents'] {
  const basic = (out.EventSelectors ?? []) as Array<{
    IncludeManagementEvents?: boolean
    ReadWriteType?: string
  }>
  const advanced = (out.AdvancedEventSelectors ?? []) as Array<{
    FieldSelectors?: Array<{ Field?: string; Equals?: string[] }>
  }>
  if (advanced.length > 0) {
    const mgmt = advanced.filter((s) =>
      s.FieldSelectors?.some((f) => f.Field === 'eventCategory' && f.Equals?.includes('Management')),
    )
    if (mgmt.length === 0) return 'none'
    const readOnly = mgmt.flatMap((s) => s.FieldSelectors ?? []).find((f) => f.Field === 'readOnly')
    return readOnly?.Equals?.[0] === 'true' ? 'read' : readOnly?.Equals?.[0] === 'false' ? 'write' : 'all'
  }
  const included = basic.filter((s) => s.IncludeManagementEvents !== false)
  if (included.length === 0) return basic.length === 0 ? 'all' : 'none'
  const types = new Set(included.map((s) => s.ReadWriteType ?? 'All'))
  return types.has('All') || (types.has('ReadOnly') && types.has('WriteOnly'))
    ? 'all'
    : types.has('ReadOnly')
      ? 'read'
      : 'write'
}

/** The trails visible from this region: those read whole, and those that could not be, with why. */
export interface TrailsRead {
  trails: TrailState[]
  unreadable: UnreadableTrail[]
}

const failure = (call: string, err: unknown) =>
  `${call}: ${errorCode(err)}: ${sanitizeForLog((err as Error)?.message ?? err, 200)}`

/**
 * Every trail visible from this region, shadow trails included (a member account's organization
 * trail, a multi-region trail of another home region), with its status and what it records. Each trail
 * is addressed by its ARN, as CloudTrail requires for shadow trails and for an organization trail read
 * from a member account (whose ARN carries the management account's id). DescribeTrails failing fails
 * the whole; a trail whose status or selectors cannot be read is reported unreadable, and the others read.
 */
export async function describeTrails(ct: CloudTrailClient): Promise<TrailsRead> {
  const { trailList = [] } = await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))
  const read = await mapLimit(
    trailList,
    4,
    async (t): Promise<{ trail: TrailState } | { unreadable: UnreadableTrail }> => {
      const arn = t.TrailARN ?? t.Name ?? ''
      const [status, selectors] = await Promise.allSettled([
        ct.send(new GetTrailStatusCommand({ Name: arn })),
        ct.send(new GetEventSelectorsCommand({ TrailName: arn })),
      ])
      const basics = { name: t.Name ?? arn, arn, homeRegion: t.HomeRegion ?? '' }
      if (status.status === 'rejected' || selectors.status === 'rejected') {
        const reasons = [
          ...(status.status === 'rejected' ? [failure('GetTrailStatus', status.reason)] : []),
          ...(selectors.status === 'rejected' ? [failure('GetEventSelectors', selectors.reason)] : []),
        ]
        return { unreadable: { ...basics, reason: reasons.join('; ') } }
      }
      return {
        trail: {
          ...basics,
          isMultiRegion: t.IsMultiRegionTrail === true,
          logFileValidation: t.LogFileValidationEnabled === true,
          isLogging: status.value.IsLogging === true,
          managementEvents: managementEvents(selectors.value as never),
        },
      }
    },
  )
  return {
    trails: read.flatMap((r) => ('trail' in r ? [r.trail] : [])),
    unreadable: read.flatMap((r) => ('unreadable' in r ? [r.unreadable] : [])),
  }
}
