import { principalOf, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const ALWAYS: Record<string, readonly string[]> = {
  'guardduty.amazonaws.com': [
    'DeleteDetector',
    'DisassociateFromMasterAccount',
    'DisassociateFromAdministratorAccount',
  ],
  'config.amazonaws.com': [
    'StopConfigurationRecorder',
    'DeleteConfigurationRecorder',
    'DeleteDeliveryChannel',
  ],
  'access-analyzer.amazonaws.com': ['DeleteAnalyzer'],
}

export const securityServiceDisabled = defineDetection({
  id: 'security-service-disabled',
  title: 'A security service was disabled',
  description: 'GuardDuty, AWS Config or IAM Access Analyzer was stopped, deleted or detached.',
  severity: 'high',
  events: {
    kind: 'names',
    sources: Object.keys(ALWAYS),
    names: [...Object.values(ALWAYS).flat(), 'UpdateDetector'],
  },
  params: {},
  match: (e) => {
    if (!succeeded(e)) return null
    if (ALWAYS[e.eventSource]?.includes(e.eventName)) return {}
    const disables = e.requestParameters.enable === false || e.requestParameters.enable === 'false'
    return e.eventSource === 'guardduty.amazonaws.com' && e.eventName === 'UpdateDetector' && disables
      ? {}
      : null
  },
  principal: principalOf,
  context: (e) => ({ service: e.eventSource.split('.')[0] ?? null, change: e.eventName }),
  runbook: ['Re-enable the service now and find out who disabled it and why.'],
})
