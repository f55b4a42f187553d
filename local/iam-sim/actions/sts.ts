import type { ActionHandler } from './types.ts'

export const STS_NS = 'https://sts.amazonaws.com/doc/2011-06-15/'

/** STS GetCallerIdentity: the simulator's caller is an IAM user of the account. */
export const GetCallerIdentity: ActionHandler = ({ account }) => ({
  UserId: 'AIDASIMULATORCALLER0',
  Account: account.accountId,
  Arn: account.arn('user/iamwatch-scanner'),
})
