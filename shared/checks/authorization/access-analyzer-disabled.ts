import type { Outcome } from '../../model/finding.ts'
import { defineCheck, fail, pass } from '../types.ts'

const EXTERNAL_ACCESS = new Set(['ACCOUNT', 'ORGANIZATION'])

export const accessAnalyzerDisabled = defineCheck({
  id: 'access-analyzer-disabled',
  title: 'IAM Access Analyzer is not enabled in a region',
  description: 'A monitored region has no ACTIVE external-access analyzer (account or organization).',
  severity: 'medium',
  resourceType: 'AwsAccount',
  reads: ['analyzers'],
  params: {},
  triggers: {
    schedule: 'authorization',
    events: { 'access-analyzer': ['CreateAnalyzer', 'DeleteAnalyzer'] },
  },
  remediation:
    'Create an account (or organization) analyzer in the region: aws accessanalyzer create-analyzer --type ACCOUNT.',
  evaluate({ analyzers: input }, { accountId }) {
    const outcomes: Outcome[] = []
    for (const [region, analyzers] of input.byRegion) {
      const resource = {
        type: 'AwsAccount',
        id: `access-analyzer/${region}`,
        arn: `arn:aws:access-analyzer:${region}:${accountId}:analyzer/*`,
      }
      const active = analyzers
        .filter((a) => a.status === 'ACTIVE' && EXTERNAL_ACCESS.has(a.type))
        .map((a) => a.name)
      outcomes.push(
        active.length
          ? pass(this.id, resource, { analyzers: active })
          : fail(this.id, resource, {
              region,
              analyzers: analyzers.map((a) => `${a.name} (${a.type}, ${a.status})`),
            }),
      )
    }
    return outcomes
  },
})
