import type { SimAccount } from './iam-sim/model.ts'

const ACCOUNT = '123456789012'
const ATTACKER_IP = '185.220.101.47'
const UA =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'
const bob = {
  type: 'IAMUser',
  principalId: 'AIDABOBDEV',
  arn: `arn:aws:iam::${ACCOUNT}:user/bob.dev`,
  accountId: ACCOUNT,
  userName: 'bob.dev',
  accessKeyId: 'AKIABOBDEVSTOLEN0001',
}
const root = { type: 'Root', principalId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:root`, accountId: ACCOUNT }

const at = (minutes: number) =>
  new Date(Date.now() - (10 - minutes) * 60_000).toISOString().replace(/\.\d{3}Z$/, 'Z')
const base = (id: string, minutes: number) => ({
  eventVersion: '1.09',
  eventID: id,
  eventTime: at(minutes),
  awsRegion: 'us-east-1',
  sourceIPAddress: ATTACKER_IP,
  userAgent: UA,
  recipientAccountId: ACCOUNT,
  eventType: 'AwsApiCall',
  readOnly: false,
})

/** An attack, as CloudTrail records it; `apply` makes the same change in the simulated account. */
export interface Step {
  say: string
  record: Record<string, unknown>
  apply?: (account: SimAccount) => void
}

export function attackStory(): Step[] {
  const stopLogging: Step = {
    say: 'the attacker stops the CloudTrail trail',
    record: {
      ...base('a1f0e6c2-7d41-4b8e-9c3a-5b6d7e8f9a04', 4),
      eventSource: 'cloudtrail.amazonaws.com',
      eventName: 'StopLogging',
      userIdentity: bob,
      requestParameters: { name: `arn:aws:cloudtrail:us-east-1:${ACCOUNT}:trail/org-trail` },
    },
  }
  return [
    {
      say: 'someone signs in to the console as root, without MFA',
      record: {
        ...base('a1f0e6c2-7d41-4b8e-9c3a-5b6d7e8f9a01', 1),
        eventType: 'AwsConsoleSignIn',
        eventSource: 'signin.amazonaws.com',
        eventName: 'ConsoleLogin',
        userIdentity: root,
        responseElements: { ConsoleLogin: 'Success' },
        additionalEventData: { MFAUsed: 'No', LoginTo: 'https://console.aws.amazon.com/console/home' },
      },
    },
    {
      say: "with bob.dev's stolen key, the attacker creates an access key for alice.admin",
      record: {
        ...base('a1f0e6c2-7d41-4b8e-9c3a-5b6d7e8f9a02', 2),
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateAccessKey',
        userIdentity: bob,
        requestParameters: { userName: 'alice.admin' },
        responseElements: {
          accessKey: { userName: 'alice.admin', accessKeyId: 'AKIABACKDOORALICE001', status: 'Active' },
        },
      },
      apply: (account) => {
        account
          .getUser('alice.admin')!
          .accessKeys.push({ id: 'AKIABACKDOORALICE001', status: 'Active', createDate: account.now() })
      },
    },
    {
      say: 'and attaches AdministratorAccess to bob.dev',
      record: {
        ...base('a1f0e6c2-7d41-4b8e-9c3a-5b6d7e8f9a03', 3),
        eventSource: 'iam.amazonaws.com',
        eventName: 'AttachUserPolicy',
        userIdentity: bob,
        requestParameters: { userName: 'bob.dev', policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      },
    },
    stopLogging,
    {
      say: 'EventBridge delivers the StopLogging event a second time (at-least-once delivery)',
      record: stopLogging.record,
    },
  ]
}
