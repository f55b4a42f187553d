import {
  CloudTrailClient,
  DescribeTrailsCommand,
  GetEventSelectorsCommand,
  GetTrailStatusCommand,
} from '@aws-sdk/client-cloudtrail'
import type { TrailState } from '../checks/sources.ts'
import { awsClient, type ClientOverrides, mapLimit } from './clients.ts'

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

/** Every trail visible from this region, with its status and what it records. */
export async function describeTrails(ct: CloudTrailClient): Promise<TrailState[]> {
  const { trailList = [] } = await ct.send(new DescribeTrailsCommand({ includeShadowTrails: true }))
  return mapLimit(trailList, 4, async (t): Promise<TrailState> => {
    const arn = t.TrailARN ?? t.Name ?? ''
    const [status, selectors] = await Promise.all([
      ct.send(new GetTrailStatusCommand({ Name: arn })),
      ct.send(new GetEventSelectorsCommand({ TrailName: arn })),
    ])
    return {
      name: t.Name ?? arn,
      arn,
      homeRegion: t.HomeRegion ?? '',
      isMultiRegion: t.IsMultiRegionTrail === true,
      logFileValidation: t.LogFileValidationEnabled === true,
      isLogging: status.IsLogging === true,
      managementEvents: managementEvents(selectors as never),
    }
  })
}
