import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const ALWAYS = new Set(['StopLogging', 'DeleteTrail', 'UpdateTrail'])

/** PutEventSelectors drops management events when a basic selector excludes them, or no advanced selector selects them. */
function dropsManagementEvents(e: CloudTrailEvent): boolean {
  const p = e.requestParameters
  const basic = Array.isArray(p.eventSelectors) ? p.eventSelectors : []
  if (basic.some((s) => s && (s as { includeManagementEvents?: unknown }).includeManagementEvents === false))
    return true
  if (!Array.isArray(p.advancedEventSelectors) || p.advancedEventSelectors.length === 0) return false
  return !p.advancedEventSelectors.some((s) =>
    ((s as { fieldSelectors?: unknown[] })?.fieldSelectors ?? []).some((f) => {
      const fs = f as { field?: string; equals?: unknown[] }
      return fs.field === 'eventCategory' && Array.isArray(fs.equals) && fs.equals.includes('Management')
    }),
  )
}

export const cloudtrailTampering = defineDetection({
  id: 'cloudtrail-tampering',
  title: 'CloudTrail logging was stopped or weakened',
  description: 'StopLogging, DeleteTrail, UpdateTrail, or event selectors that drop management events.',
  severity: 'critical',
  events: { kind: 'names', sources: ['cloudtrail.amazonaws.com'], names: [...ALWAYS, 'PutEventSelectors'] },
  params: {},
  match: (e) => {
    if (e.eventSource !== 'cloudtrail.amazonaws.com' || !succeeded(e)) return null
    if (ALWAYS.has(e.eventName)) return {}
    return e.eventName === 'PutEventSelectors' && dropsManagementEvents(e)
      ? { details: { dropsManagementEvents: true } }
      : null
  },
  principal: principalOf,
  context: (e) => ({
    trail: str(e.requestParameters.name) ?? str(e.requestParameters.trailName) ?? null,
    change: e.eventName,
  }),
  runbook: [
    'Restore logging now (StartLogging / recreate the trail); iamwatch cannot see what happens while it is off.',
    "Treat an unexpected change as an attacker covering tracks: review the caller's other actions.",
  ],
})
