import { AttachUserPolicyCommand, CreateAccessKeyCommand, type IAMClient } from '@aws-sdk/client-iam'

const ACCOUNT = '123456789012'
export const ATTACKER_IP = '185.220.101.47'
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

/** The IAM clients the demo's people use, each signing with its own access key. */
export interface DemoClients {
  /** The root user's access key. */
  root: IAMClient
  /** alice.admin, of the security team. */
  admin: IAMClient
  /** bob.dev's stolen key, used from the attacker's address. */
  attacker: IAMClient
}

/**
 * One thing that happens in the account: an IAM call made over the wire (`act`: the simulator records
 * it in CloudTrail), or an event CloudTrail records that is no IAM write (`record`, replayed as is).
 */
export interface Step {
  say: string
  act?: (clients: DemoClients) => Promise<unknown>
  record?: Record<string, unknown>
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
      act: ({ attacker }) => attacker.send(new CreateAccessKeyCommand({ UserName: 'alice.admin' })),
    },
    {
      say: 'and attaches AdministratorAccess to bob.dev',
      act: ({ attacker }) =>
        attacker.send(
          new AttachUserPolicyCommand({
            UserName: 'bob.dev',
            PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
          }),
        ),
    },
    stopLogging,
    {
      say: 'EventBridge delivers the StopLogging event a second time (at-least-once delivery)',
      record: stopLogging.record,
    },
  ]
}
