import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { awsClient, type ClientOverrides } from './clients.ts'

export function stsClient(o: ClientOverrides = {}): STSClient {
  return awsClient(STSClient, 'STS', o)
}

/** The account the credentials belong to. GetCallerIdentity needs no IAM permission. */
export async function callerAccountId(sts: STSClient): Promise<string> {
  const { Account } = await sts.send(new GetCallerIdentityCommand({}))
  if (!Account || !/^\d{12}$/.test(Account))
    throw new Error(`GetCallerIdentity returned no account id (${Account})`)
  return Account
}
