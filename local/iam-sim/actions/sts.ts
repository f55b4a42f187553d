import { principal } from '../identity.ts'
import type { ActionHandler } from './types.ts'

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'

/** STS GetCallerIdentity: the identity of the key the request was signed with. */
export const GetCallerIdentity: ActionHandler = ({ caller }) => {
  const { arn, principalId } = principal(caller)
  return { UserId: principalId, Account: caller.account.accountId, Arn: arn }
}
