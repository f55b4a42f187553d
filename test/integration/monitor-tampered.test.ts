import { readFileSync } from 'node:fs'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { matchesPattern } from '../../shared/eventbridge/match.ts'
import { rulePatterns, toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const fixture = (file: string) =>
  JSON.parse(
    readFileSync(new URL(`../detections/fixtures/monitor-tampered/${file}`, import.meta.url), 'utf8'),
  ) as { record: Record<string, unknown> }
const KEY_ARN = 'arn:aws:kms:us-west-2:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab'

describe('monitor-tampered end to end', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it("alerts ops-worthy detail when the handler's concurrency is set to zero, routed by the generated rules", async () => {
    // Prepare
    h = await startHarness(new AccountBuilder('123456789012').build())
    const { record } = fixture('12-lambda-PutFunctionConcurrency.json')
    const routedBy = rulePatterns().filter((r) => matchesPattern(r.pattern, toEventBridge(record)))
    // Act
    const summary = await h.event(record)
    const alerts = await h.alerts()
    // Assess
    expect(routedBy.map((r) => r.name)).toEqual(['lambda'])
    expect(summary.fired.map((f) => f.detectionId)).toEqual(['monitor-tampered'])
    expect(alerts).toHaveLength(1)
    expect(alerts[0]!.attributes).toMatchObject({
      severity: 'critical',
      checkId: 'monitor-tampered',
      ruleType: 'detection',
      transition: 'OPENED',
    })
    expect(alerts[0]!.message).toContain('iamwatch-prod-on-cloudtrail-event')
    expect(alerts[0]!.message).toContain('arn:aws:sts::123456789012:assumed-role/Operator/mallory')
  })

  it('knows the deployed key by its id once the configuration says which key it is', async () => {
    // Prepare
    const { record } = fixture('17-kms-ScheduleKeyDeletion.json')
    h = await startHarness(new AccountBuilder('111122223333').build(), {
      config: { monitor: { keyArn: KEY_ARN } },
    })
    // Act
    const summary = await h.event(record)
    // Assess: any customer key scheduled for deletion is kms-key-disabled; this one is also the monitor's own
    expect(summary.fired.map((f) => f.detectionId).sort()).toEqual(['kms-key-disabled', 'monitor-tampered'])
  })
})
