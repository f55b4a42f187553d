import type { ResourceRef } from '../../model/finding.ts'
import type { TrailState } from '../sources.ts'

export const trailResource = (t: TrailState): ResourceRef => ({
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
