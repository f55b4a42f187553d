import { getPasswordPolicy } from '../aws/iam-account.ts'
import { describeError, type SourceModule, sameActions, unreadable } from './types.ts'

/** The account password policy (A2), live; NoSuchEntity is a reading too: no policy at all. */
export const passwordPolicySource: SourceModule<'passwordPolicy'> = {
  name: 'passwordPolicy',
  actions: sameActions('iam:GetAccountPasswordPolicy'),
  async collect(ctx) {
    try {
      const policy = await getPasswordPolicy(ctx.iam)
      return { data: { policy }, complete: true, asOf: ctx.now, problems: [], partial: new Map() }
    } catch (err) {
      return unreadable(ctx.now, `GetAccountPasswordPolicy failed: ${describeError(err)}`)
    }
  },
}
