import { IAMClient } from '@aws-sdk/client-iam'
import { STSClient } from '@aws-sdk/client-sts'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import type { SimCredential } from '../../local/iam-sim/identity.ts'
import type { SimAccount } from '../../local/iam-sim/model.ts'
import type { IamSimulator } from '../../local/iam-sim/server.ts'

export const ACCOUNT = '123456789012'
/** The access key of the account's `admin` user: requests signed with it are this user's. */
export const ADMIN_KEY = 'AKIAEXAMPLEADMIN0001'

/** A small account with an administrator whose key the tests sign with. */
export function adminAccount(accountId = ACCOUNT): SimAccount {
  return new AccountBuilder(accountId)
    .user('admin', (u) => u.accessKey({ ageDays: 10, lastUsedDaysAgo: 0, id: ADMIN_KEY }))
    .build()
}

type Key = string | Pick<SimCredential, 'accessKeyId' | 'secretAccessKey' | 'sessionToken'>

const credentials = (key: Key) =>
  typeof key === 'string' ? { accessKeyId: key, secretAccessKey: 'not-checked' } : key

/** The SDK's IAM client, signing with the given key (no retries: each call is one request). */
export function iamAs(
  sim: IamSimulator,
  key: Key = ADMIN_KEY,
  extra: { userAgent?: string } = {},
): IAMClient {
  return new IAMClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: credentials(key),
    ...(extra.userAgent ? { customUserAgent: extra.userAgent } : {}),
  })
}

export function stsAs(sim: IamSimulator, key: Key = ADMIN_KEY): STSClient {
  return new STSClient({
    endpoint: sim.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: credentials(key),
  })
}

/** What a refused call answered: the SDK's error name, the HTTP status and the message. */
export async function refusal(
  call: Promise<unknown>,
): Promise<{ name: string; status?: number; message: string }> {
  try {
    await call
  } catch (err) {
    const e = err as { name: string; message: string; $metadata?: { httpStatusCode?: number } }
    return { name: e.name, status: e.$metadata?.httpStatusCode, message: e.message }
  }
  throw new Error('the call succeeded')
}

export const ALLOW_S3_READ = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: '*' }],
})

export const TRUST_EC2 = JSON.stringify({
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'ec2.amazonaws.com' }, Action: 'sts:AssumeRole' }],
})
