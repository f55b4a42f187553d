import { GetCallerIdentityCommand, type STSClient } from '@aws-sdk/client-sts'

/** The account the credentials belong to. GetCallerIdentity needs no IAM permission. */
export async function callerAccountId(sts: STSClient): Promise<string> {
  const { Account } = await sts.send(new GetCallerIdentityCommand({}))
  if (!Account || !/^\d{12}$/.test(Account))
    throw new Error(`GetCallerIdentity returned no account id (${Account})`)
  return Account
}
