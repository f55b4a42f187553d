import { type Finding, findingId, GENESIS_HASH } from '../../shared/model/finding.ts'

export const ACCOUNT = '123456789012'

/**
 * A user-no-mfa finding on `user/<user>`, first seen at `at`, before its first transition (seq 0, the
 * genesis head). `over` replaces any field; its accountId also names the finding's id.
 */
export const noMfaFinding = (user: string, at: string, over: Partial<Finding> = {}): Finding => {
  const accountId = over.accountId ?? ACCOUNT
  return {
    id: findingId({ accountId, checkId: 'user-no-mfa', resourceId: user }),
    accountId,
    region: 'us-east-1',
    checkId: 'user-no-mfa',
    severity: 'medium',
    status: 'OPEN',
    resourceType: 'AwsIamUser',
    resourceId: user,
    resourceArn: `arn:aws:iam::${accountId}:user/${user}`,
    title: 'IAM user without MFA',
    evidence: { mfaActive: false },
    firstOpenedAt: at,
    lastTransitionAt: at,
    seq: 0,
    headHash: GENESIS_HASH,
    ...over,
  }
}
