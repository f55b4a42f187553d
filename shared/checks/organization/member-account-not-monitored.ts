import { defineCheck, fail, pass, unknown } from '../types.ts'
import { accountResource, inactive } from './common.ts'

/**
 * iamwatch's own blind spots: an account of the organization whose reader role the central scans cannot
 * assume (AccessDenied: missing, or not trusting them), or whose events are not forwarded to the central
 * bus (a monitored region without its `iamwatch-forward-*` rules, or with one disabled or aimed elsewhere).
 * A transient failure (throttling, a timeout) proves nothing: the account is left as it is.
 */
export const memberAccountNotMonitored = defineCheck({
  id: 'member-account-not-monitored',
  title: 'An account of the organization is not monitored',
  description:
    'The account is in the organization, but the iamwatch reader role cannot be assumed or its CloudTrail events are not forwarded to the central event bus: iamwatch sees nothing there.',
  severity: 'high',
  resourceType: 'AwsAccount',
  reads: ['organization'],
  params: {},
  triggers: { schedule: 'organization', events: {} },
  remediation:
    'Deploy the iamwatch member StackSet to the account (add it to a targeted OU, or check the StackSet instance for the account and region), then run `iamwatch scan --organization`.',
  evaluate({ organization: o }) {
    const resource = accountResource(o)
    const skip = inactive(o)
    if (skip) return [unknown(this.id, resource, skip)]
    const { probe } = o
    if (probe.reader === 'not-needed') return [pass(this.id, resource, { reader: 'central account' })]
    const base = { accountName: o.account.name, ouPath: o.account.ouPath }
    if (probe.reader === 'missing')
      return [
        fail(this.id, resource, {
          ...base,
          readerRole: 'cannot be assumed',
          detail: probe.readerDetail ?? null,
        }),
      ]
    if (probe.reader === 'unknown')
      return [unknown(this.id, resource, `reader role not tried: ${probe.readerDetail ?? 'unknown error'}`)]
    const missing = probe.forwarding.filter((f) => f.state === 'missing')
    if (missing.length > 0)
      return [
        fail(this.id, resource, {
          ...base,
          readerRole: 'ok',
          forwardingMissingIn: missing.map((f) => f.region),
          missingRules: [...new Set(missing.flatMap((f) => f.missingRules))].slice(0, 20),
        }),
      ]
    const unread = probe.forwarding.find((f) => f.state === 'unknown')
    if (unread)
      return [unknown(this.id, resource, `forwarding in ${unread.region} not read: ${unread.detail ?? ''}`)]
    return [
      pass(this.id, resource, {
        ...base,
        readerRole: 'ok',
        forwardingRegions: probe.forwarding.map((f) => f.region),
      }),
    ]
  },
})
