import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { CIS_PASSWORD_POLICY } from '../../shared/checks/password-policy/policy.ts'

/**
 * The account the CLI tests scan: root with hardware MFA, a CIS password policy, and one console
 * user with MFA whose only finding is a 120-day-old key (AKIADEVOLDKEY0000001).
 */
export function startCliSimulator(reportDelayMs = 10): Promise<IamSimulator> {
  return startIamSimulator(
    new AccountBuilder('777788889999')
      .root((r) => r.mfa('hardware'))
      .passwordPolicy({ ...CIS_PASSWORD_POLICY })
      .user('dev', (u) =>
        u
          .console({ lastUsedDaysAgo: 1 })
          .mfa()
          .accessKey({ ageDays: 120, lastUsedDaysAgo: 1, id: 'AKIADEVOLDKEY0000001' }),
      )
      .build(),
    { reportDelayMs },
  )
}
