import { describe, expect, it } from 'vitest'
import { advance } from '../../shared/engine/reconcile.ts'
import { findingId, GENESIS_HASH } from '../../shared/model/finding.ts'
import { buildAlert, safeSubject } from '../../shared/notify/message.ts'

function entry(resourceId: string, transition: 'OPENED' | 'RESOLVED' = 'OPENED') {
  return advance(
    {
      id: findingId({ accountId: '123456789012', checkId: 'console-user-no-mfa', resourceId }),
      accountId: '123456789012',
      region: 'us-east-1',
      checkId: 'console-user-no-mfa',
      severity: 'high',
      status: transition === 'OPENED' ? 'OPEN' : 'RESOLVED',
      ...(transition === 'RESOLVED' ? { resolution: 'passed' as const } : {}),
      resourceType: 'AwsIamUser',
      resourceId,
      resourceArn: `arn:aws:iam::123456789012:user/${resourceId}`,
      title: 'A console user has no MFA',
      evidence: { passwordEnabled: true, mfaActive: false },
      firstOpenedAt: '2026-11-23T00:00:00.000Z',
      lastTransitionAt: '2026-11-23T00:00:00.000Z',
      seq: 0,
      headHash: GENESIS_HASH,
    },
    transition,
    'scan-1',
    '2026-11-23T00:00:00.000Z',
  ).entry
}

describe('alert messages', () => {
  it('has a readable subject with severity, transition, title, resource and account', () => {
    expect(buildAlert(entry('alice')).subject).toBe(
      '[iamwatch] HIGH OPENED: A console user has no MFA - alice (123456789012)',
    )
  })

  it('tells what to do, maps the CIS control, and carries the transition id', () => {
    const alert = buildAlert(entry('alice'))
    expect(alert.text).toContain('What to do:\n  Assign an MFA device')
    expect(alert.text).toContain('CIS v3.0 1.10 / v5.0 1.9; Security Hub IAM.5')
    expect(alert.attributes).toMatchObject({
      severity: 'high',
      checkId: 'console-user-no-mfa',
      transition: 'OPENED',
      accountId: '123456789012',
    })
    expect(alert.json).toMatchObject({
      schema: 'iamwatch.transition/1',
      transitionId: alert.attributes.transitionId,
    })
  })

  it('says a resolved finding needs no action', () => {
    const alert = buildAlert(entry('alice', 'RESOLVED'))
    expect(alert.subject).toContain('RESOLVED (passed)')
    expect(alert.text).toContain('No action needed')
  })

  it('keeps hostile strings from forging lines in the text and subject', () => {
    const alert = buildAlert(entry('mallory\nSeverity: LOW\r\u2028x'))
    expect(alert.text).not.toMatch(/\nSeverity: LOW/)
    expect(alert.subject).not.toMatch(/[\r\n]/)
  })

  it('bounds subjects to SNS limits: ASCII, one line, under 100 characters', () => {
    const s = safeSubject(`é${'x'.repeat(200)}\n`)
    expect(s.length).toBeLessThanOrEqual(100)
    expect(s).toMatch(/^[\x20-\x7e]+$/)
  })
})
