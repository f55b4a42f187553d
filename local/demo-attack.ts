import {
  AttachUserPolicyCommand,
  CreateAccessKeyCommand,
  type IAMClient,
  UpdateAssumeRolePolicyCommand,
} from '@aws-sdk/client-iam'

const ACCOUNT = '123456789012'
export const ATTACKER_IP = '185.220.101.47'
/** Example Corp's office: bob.dev's key is used from here every day (its baseline). */
export const OFFICE_IPS = ['198.51.100.23', '198.51.100.41'] as const
const CLI_UA =
  'aws-cli/2.22.4 md/awscrt#0.23.4 ua/2.0 os/macos#24.1.0 md/arch#arm64 lang/python#3.12.7 md/pyimpl#CPython cfg/retry-mode#standard md/installer#source md/prompt#off md/command#ec2.describe-instances'
/** The SAML provider the attacker registers: an IdP they control, named to look like the company's. */
const ROGUE_IDP = 'okta-sso'
const ROGUE_IDP_ARN = `arn:aws:iam::${ACCOUNT}:saml-provider/${ROGUE_IDP}`
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
 * it in CloudTrail), or events CloudTrail records that the simulator does not make (`record`, `records`:
 * replayed as they are, in order).
 */
export interface Step {
  say: string
  act?: (clients: DemoClients) => Promise<unknown>
  record?: Record<string, unknown>
  records?: Array<Record<string, unknown>>
  /**
   * on-key-activity's next invocation loses its answer after doing its work (a timeout): SQS delivers the
   * batch again after the queue's visibility timeout, and the step waits for it.
   */
  timesOutOnce?: boolean
}

/** A read-only call bob.dev makes with his key from the office (no IAM write: CloudTrail records it anyway). */
const officeCall = (
  id: string,
  minutes: number,
  ip: string,
  eventSource: string,
  eventName: string,
  requestParameters: Record<string, unknown> | null = null,
): Record<string, unknown> => ({
  ...base(id, minutes),
  sourceIPAddress: ip,
  userAgent: CLI_UA,
  eventSource,
  eventName,
  userIdentity: bob,
  requestParameters,
  responseElements: null,
  readOnly: true,
  managementEvent: true,
  eventCategory: 'Management',
})

/** A SAML metadata document for an IdP the attacker runs (CloudTrail logs the document it was given). */
const ROGUE_METADATA = `<?xml version="1.0"?><md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://www.okta-sso-login.com/exk1a2b3c4d5"><md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"><md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" Location="https://okta-sso-login.com/app/amazon_aws/sso/saml"/></md:IDPSSODescriptor></md:EntityDescriptor>`

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
      say: `bob.dev works from the office as every day: three calls with his key from ${OFFICE_IPS.join(' and ')} (the key's baseline)`,
      records: [
        officeCall(
          'b0b0e6c2-7d41-4b8e-9c3a-5b6d7e8f9b01',
          -240,
          OFFICE_IPS[0],
          'ec2.amazonaws.com',
          'DescribeInstances',
          {
            instancesSet: {},
            filterSet: {},
          },
        ),
        officeCall(
          'b0b0e6c2-7d41-4b8e-9c3a-5b6d7e8f9b02',
          -238,
          OFFICE_IPS[0],
          'sts.amazonaws.com',
          'GetCallerIdentity',
        ),
        officeCall(
          'b0b0e6c2-7d41-4b8e-9c3a-5b6d7e8f9b03',
          -180,
          OFFICE_IPS[1],
          's3.amazonaws.com',
          'ListBuckets',
          {
            Host: 's3.amazonaws.com',
          },
        ),
      ],
    },
    {
      say: `the attacker tries bob.dev's stolen key from ${ATTACKER_IP} (sts GetCallerIdentity); on-key-activity times out after its work, so SQS delivers that batch again`,
      record: {
        ...base('a1f0e6c2-7d41-4b8e-9c3a-5b6d7e8f9a02', 2),
        eventSource: 'sts.amazonaws.com',
        eventName: 'GetCallerIdentity',
        userIdentity: bob,
        userAgent: 'Boto3/1.35.0 md/Botocore#1.35.0 ua/2.0 os/linux#6.8.0 md/arch#x86_64 lang/python#3.11.9',
        requestParameters: null,
        responseElements: null,
        readOnly: true,
        managementEvent: true,
        eventCategory: 'Management',
      },
      timesOutOnce: true,
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
    {
      say: `and plants a way back in: an IAM SAML provider "${ROGUE_IDP}" trusting an identity provider they run`,
      record: {
        ...base('a1f0e6c2-7d41-4b8e-9c3a-5b6d7e8f9a03', 3),
        eventSource: 'iam.amazonaws.com',
        eventName: 'CreateSAMLProvider',
        userIdentity: bob,
        requestParameters: { sAMLMetadataDocument: ROGUE_METADATA, name: ROGUE_IDP },
        responseElements: { sAMLProviderArn: ROGUE_IDP_ARN },
        managementEvent: true,
        eventCategory: 'Management',
      },
    },
    {
      say: `and lets that identity provider's users assume ci-deploy (UpdateAssumeRolePolicy: trust ${ROGUE_IDP})`,
      act: ({ attacker }) =>
        attacker.send(
          new UpdateAssumeRolePolicyCommand({
            RoleName: 'ci-deploy',
            PolicyDocument: JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Effect: 'Allow',
                  Principal: { Service: 'lambda.amazonaws.com' },
                  Action: 'sts:AssumeRole',
                },
                {
                  Effect: 'Allow',
                  Principal: { Federated: ROGUE_IDP_ARN },
                  Action: 'sts:AssumeRoleWithSAML',
                  Condition: { StringEquals: { 'SAML:aud': 'https://signin.aws.amazon.com/saml' } },
                },
              ],
            }),
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
