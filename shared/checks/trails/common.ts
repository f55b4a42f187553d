import type { ResourceRef } from '../../model/finding.ts'
import type { TrailState, UnreadableTrail } from '../sources.ts'

export type { UnreadableTrail } from '../sources.ts'

export const trailResource = (t: Pick<TrailState, 'arn'>): ResourceRef => ({
  type: 'AwsCloudTrailTrail',
  id: t.arn,
  arn: t.arn,
})
export const accountTrailResource = (accountId: string): ResourceRef => ({
  type: 'AwsAccount',
  id: 'cloudtrail',
  arn: `arn:aws:cloudtrail::${accountId}:trail/*`,
})
export const TRAIL_EVENTS = [
  'CreateTrail',
  'UpdateTrail',
  'DeleteTrail',
  'StartLogging',
  'StopLogging',
  'PutEventSelectors',
] as const

/** What could not be read, for a check's unknown outcome: `could not read <arn> (<why>); ...`. */
export const unreadableReason = (unreadable: readonly UnreadableTrail[]): string =>
  unreadable.map((t) => `could not read ${t.arn} (${t.reason})`).join('; ')
