import { AttachUserPolicyCommand, IAMClient } from '@aws-sdk/client-iam'
import {
  DescribeOrganizationCommand,
  ListAccountsCommand,
  OrganizationsClient,
} from '@aws-sdk/client-organizations'
import { AssumeRoleCommand, GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts'
import { afterEach, describe, expect, inject, it } from 'vitest'
import {
  MANAGEMENT_ACCOUNT,
  ORG_ADMIN_SECRET,
  ORG_ADMINS,
  ORGANIZATION_ID,
  PROD_ACCOUNT,
  SANDBOX_ACCOUNT,
  SECURITY_ACCOUNT,
  STAGING_ACCOUNT,
} from '../../local/demo-organization.ts'
import { type EmbeddedAws, startEmbeddedAws } from '../../local/embedded.ts'
import { drainQueue, type ReceivedAlert } from '../../local/stack.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { FindingsStore } from '../../shared/aws/findings-store.ts'
import { uniqueName } from '../support/harness.ts'

let aws: EmbeddedAws | undefined
const destroy: Array<{ destroy(): void }> = []
afterEach(async () => {
  for (const c of destroy.splice(0)) c.destroy()
  await aws?.stop()
  aws = undefined
})

/** The embedded AWS (the demo organization served, one dispatch run) on the test run's emulators. */
const start = () =>
  startEmbeddedAws({
    dynamoEndpoint: inject('dynamoEndpoint'),
    snsSqsEndpoint: inject('snsSqsEndpoint'),
    prefix: uniqueName('local'),
  })

type Credentials = { accessKeyId: string; secretAccessKey: string; sessionToken?: string }

/** The operator's credentials, as `npm run local` exports them. */
const operatorOf = (env: Record<string, string>): Credentials => ({
  accessKeyId: env.AWS_ACCESS_KEY_ID!,
  secretAccessKey: env.AWS_SECRET_ACCESS_KEY!,
  sessionToken: env.AWS_SESSION_TOKEN!,
})

/** A real SDK client configured only from the exported endpoints and region. */
function client<C extends { destroy(): void }>(
  Client: new (config: object) => C,
  env: Record<string, string>,
  endpoint: string,
  credentials: Credentials,
): C {
  const c = new Client({ endpoint: env[endpoint], region: env.AWS_REGION, maxAttempts: 1, credentials })
  destroy.push(c)
  return c
}

/** An account's administrator, with the access key `npm run local` prints for it. */
const adminOf = (account: keyof typeof ORG_ADMINS): Credentials => ({
  accessKeyId: ORG_ADMINS[account].accessKeyId,
  secretAccessKey: ORG_ADMIN_SECRET,
})

/** Polls the subscribed queue until an alert matches, or the deadline passes. */
async function waitForAlert(
  env: Record<string, string>,
  match: (a: ReceivedAlert) => boolean,
  deadlineMs: number,
) {
  const seen: ReceivedAlert[] = []
  const until = performance.now() + deadlineMs
  while (performance.now() < until) {
    seen.push(...(await drainQueue(env.AWS_ENDPOINT_URL_SQS!, env.IAMWATCH_ALERTS_QUEUE_URL!)))
    const alert = seen.find(match)
    if (alert) return { alert, seen }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return { alert: undefined, seen }
}

describe('the embedded AWS serves the demo organization', () => {
  it("answers Organizations for the operator, and lets the central principals alone assume a member's reader role", async () => {
    // Prepare
    aws = await start()
    const env = aws.env
    const operator = operatorOf(env)
    const organizations = client(OrganizationsClient, env, 'AWS_ENDPOINT_URL_ORGANIZATIONS', operator)
    const sts = client(STSClient, env, 'AWS_ENDPOINT_URL_STS', operator)
    const assume = (account: string, by: STSClient = sts) =>
      by.send(
        new AssumeRoleCommand({
          RoleArn: `arn:aws:iam::${account}:role/iamwatch-reader`,
          RoleSessionName: 'test',
        }),
      )
    // Act
    const { Accounts = [] } = await organizations.send(new ListAccountsCommand({}))
    const { Organization } = await organizations.send(new DescribeOrganizationCommand({}))
    const prod = await assume(PROD_ACCOUNT)
    const asReader = client(STSClient, env, 'AWS_ENDPOINT_URL_STS', {
      accessKeyId: prod.Credentials!.AccessKeyId!,
      secretAccessKey: prod.Credentials!.SecretAccessKey!,
      sessionToken: prod.Credentials!.SessionToken!,
    })
    const readerIdentity = await asReader.send(new GetCallerIdentityCommand({}))
    const sandbox = await assume(SANDBOX_ACCOUNT).catch((err: Error) => err)
    // A member's own administrator is not a central principal: its reader role does not trust it.
    const prodAdminSts = client(STSClient, env, 'AWS_ENDPOINT_URL_STS', adminOf(PROD_ACCOUNT))
    const byMember = await assume(STAGING_ACCOUNT, prodAdminSts).catch((err: Error) => err)
    // Assess: the organization, as Organizations lists it.
    expect(Organization).toMatchObject({ Id: ORGANIZATION_ID, MasterAccountId: MANAGEMENT_ACCOUNT })
    expect(Accounts.map((a) => [a.Id, a.Name]).sort()).toEqual([
      [MANAGEMENT_ACCOUNT, 'acme-management'],
      [SECURITY_ACCOUNT, 'acme-security'],
      [PROD_ACCOUNT, 'acme-prod'],
      [STAGING_ACCOUNT, 'acme-staging'],
      [SANDBOX_ACCOUNT, 'acme-sandbox'],
    ])
    // The reader role: assumed by the operator in acme-prod, missing in acme-sandbox, closed to a member's admin.
    expect(readerIdentity.Account).toBe(PROD_ACCOUNT)
    expect(readerIdentity.Arn).toBe(`arn:aws:sts::${PROD_ACCOUNT}:assumed-role/iamwatch-reader/test`)
    expect(sandbox).toMatchObject({ name: 'AccessDenied' })
    expect(byMember).toMatchObject({ name: 'AccessDenied' })
  })

  it('stored the directory at start, and reports the accounts without a reader role as not monitored', async () => {
    // Prepare
    aws = await start()
    const db = documentClient({ endpoint: aws.env.AWS_ENDPOINT_URL_DYNAMODB, region: 'us-east-1' })
    destroy.push(db)
    const store = new FindingsStore(db, aws.tableName)
    // Act
    const directory = await store.records.directory()
    const open = await store.listFindings({ status: 'OPEN' })
    // Assess
    expect(aws.organization).toMatchObject({ id: ORGANIZATION_ID, managementAccountId: MANAGEMENT_ACCOUNT })
    expect(directory?.accounts.map((a) => [a.id, a.name, a.ouPath])).toEqual([
      [MANAGEMENT_ACCOUNT, 'acme-management', 'Root'],
      [SECURITY_ACCOUNT, 'acme-security', 'Root/Security'],
      [PROD_ACCOUNT, 'acme-prod', 'Root/Workloads/Prod'],
      [STAGING_ACCOUNT, 'acme-staging', 'Root/Workloads/Staging'],
      [SANDBOX_ACCOUNT, 'acme-sandbox', 'Root/Sandbox'],
    ])
    const notMonitored = open.filter((f) => f.checkId === 'member-account-not-monitored')
    expect(notMonitored.map((f) => [f.accountId, f.accountName]).sort()).toEqual([
      [MANAGEMENT_ACCOUNT, 'acme-management'],
      [SANDBOX_ACCOUNT, 'acme-sandbox'],
    ])
    const organization = open.filter((f) => f.resourceType === 'AwsOrganization')
    expect(organization.map((f) => [f.checkId, f.resourceId, f.evidence])).toEqual([
      [
        'org-root-credentials-not-centralized',
        ORGANIZATION_ID,
        expect.objectContaining({ featuresMissing: ['RootSessions'] }),
      ],
    ])
    // The functions assume the reader roles as the security account, which is trusted: nothing fired.
    expect(open.map((f) => f.checkId)).not.toContain('cross-account-role-assumption')
  })

  it("alerts a member's IAM write, made with the member's own key, naming the account and its OU path", async () => {
    // Prepare
    aws = await start()
    const env = aws.env
    await drainQueue(env.AWS_ENDPOINT_URL_SQS!, env.IAMWATCH_ALERTS_QUEUE_URL!)
    const before = aws.deliveries.length
    const prodAdmin = client(IAMClient, env, 'AWS_ENDPOINT_URL_IAM', adminOf(PROD_ACCOUNT))
    const sandboxDev = client(IAMClient, env, 'AWS_ENDPOINT_URL_IAM', adminOf(SANDBOX_ACCOUNT))
    const attach = (iam: IAMClient, user: string) =>
      iam.send(
        new AttachUserPolicyCommand({
          UserName: user,
          PolicyArn: 'arn:aws:iam::aws:policy/AdministratorAccess',
        }),
      )
    // Act
    const started = performance.now()
    await attach(prodAdmin, 'web.oncall')
    const { alert, seen } = await waitForAlert(
      env,
      (a) => a.attributes.checkId === 'admin-policy-attached' && a.attributes.accountId === PROD_ACCOUNT,
      10_000,
    )
    const latency = performance.now() - started
    await attach(sandboxDev, 'sandbox.dev')
    await aws.settled()
    seen.push(...(await drainQueue(env.AWS_ENDPOINT_URL_SQS!, env.IAMWATCH_ALERTS_QUEUE_URL!)))
    // Assess: forwarded by acme-prod's rules, through the same rules to the handler, posture re-read there.
    const [prod, sandbox] = aws.deliveries.slice(before).filter((d) => d.eventName === 'AttachUserPolicy')
    expect(prod).toMatchObject({
      account: PROD_ACCOUNT,
      forwardedBy: expect.arrayContaining(['iamwatch-forward-iam', 'iamwatch-forward-access-keys']),
      routed: ['iam'],
      summary: { reevaluated: expect.arrayContaining(['user/web.oncall']) },
    })
    expect(alert, `alerts seen: ${seen.map((a) => a.subject).join('; ')}`).toBeDefined()
    expect(alert!.attributes).toMatchObject({
      accountId: PROD_ACCOUNT,
      accountName: 'acme-prod',
      ouPath: 'Root/Workloads/Prod',
      severity: 'high',
    })
    expect(alert!.subject).toContain('acme-prod')
    expect(alert!.message).toContain(`Account:     ${PROD_ACCOUNT} (acme-prod)`)
    expect(alert!.message).toContain('OU:          Root/Workloads/Prod')
    // The posture re-read through acme-prod's reader role opened the member's finding, named too.
    expect(
      seen.find((a) => a.attributes.checkId === 'admin-managed-policy-attached')?.attributes,
    ).toMatchObject({ accountId: PROD_ACCOUNT, accountName: 'acme-prod', ouPath: 'Root/Workloads/Prod' })
    // acme-sandbox forwards nothing: its change never reaches iamwatch.
    expect(sandbox).toMatchObject({ account: SANDBOX_ACCOUNT, forwardedBy: [], routed: [] })
    expect(seen.filter((a) => a.attributes.accountId === SANDBOX_ACCOUNT)).toEqual([])
    console.info(`a member's AttachUserPolicy to its admin-policy-attached alert: ${latency.toFixed(0)} ms`)
  })
})
