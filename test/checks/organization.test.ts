import { describe, expect, it } from 'vitest'
import { memberAccountNotMonitored } from '../../shared/checks/organization/member-account-not-monitored.ts'
import { orgRootCredentialsNotCentralized } from '../../shared/checks/organization/org-root-credentials-not-centralized.ts'
import type { MemberProbe, OrgAccount, OrganizationSource } from '../../shared/organization/model.ts'
import { failingIds, failures, run, unknownIds } from '../support/fixtures.ts'

const ORG = 'o-abcdefghij'
const MANAGEMENT = '111111111111'
const CENTRAL = '222222222222'
const MEMBER = '333333333333'
const account = (id: string, spec: Partial<OrgAccount> = {}): OrgAccount => ({
  id,
  name: `acct-${id.slice(0, 3)}`,
  status: 'ACTIVE',
  ouPath: 'Root/Workloads',
  ...spec,
})
const ok: MemberProbe = {
  reader: 'ok',
  root: { mfaEnabled: false, accessKeysPresent: false, signingCertificatesPresent: false },
  forwarding: [{ region: 'us-east-1', state: 'ok', missingRules: [] }],
}
const view = (
  id: string,
  probe: Partial<MemberProbe> = {},
  spec: Partial<OrganizationSource> = {},
): OrganizationSource => ({
  organizationId: ORG,
  managementAccountId: MANAGEMENT,
  centralAccountId: CENTRAL,
  account: account(id),
  accountArn: `arn:aws:organizations::${MANAGEMENT}:account/${ORG}/${id}`,
  rootAccessFeatures: ['RootCredentialsManagement', 'RootSessions'],
  probe: { ...ok, ...probe },
  ...spec,
})

describe('member-account-not-monitored', () => {
  it('fails when the reader role cannot be assumed', () => {
    // Prepare
    const input = view(MEMBER, { reader: 'missing', readerDetail: 'AccessDenied', forwarding: [] })
    // Act
    const outcomes = run(memberAccountNotMonitored, input)
    // Assess
    expect(failingIds(outcomes)).toEqual([MEMBER])
    expect(failures(outcomes)[0]!.evidence).toMatchObject({
      readerRole: 'cannot be assumed',
      accountName: 'acct-333',
    })
  })

  it('fails when a monitored region does not forward its events, naming the missing rules', () => {
    const input = view(MEMBER, {
      forwarding: [
        { region: 'us-east-1', state: 'ok', missingRules: [] },
        { region: 'eu-west-1', state: 'missing', missingRules: ['iamwatch-forward-sts'] },
      ],
    })
    const outcomes = run(memberAccountNotMonitored, input)
    expect(failures(outcomes)[0]!.evidence).toMatchObject({
      forwardingMissingIn: ['eu-west-1'],
      missingRules: ['iamwatch-forward-sts'],
    })
  })

  it('passes when the reader role answers and every region forwards', () => {
    expect(failures(run(memberAccountNotMonitored, view(MEMBER)))).toEqual([])
    expect(run(memberAccountNotMonitored, view(MEMBER))[0]!.status).toBe('pass')
  })

  it('passes for the central account, which needs no reader role', () => {
    const outcomes = run(memberAccountNotMonitored, view(CENTRAL, { reader: 'not-needed', forwarding: [] }))
    expect(outcomes.map((o) => o.status)).toEqual(['pass'])
  })

  it('leaves the account as it is when the reader role failed for a transient reason', () => {
    const outcomes = run(
      memberAccountNotMonitored,
      view(MEMBER, { reader: 'unknown', readerDetail: 'Throttling' }),
    )
    expect(unknownIds(outcomes)).toEqual([`${MEMBER}: reader role not tried: Throttling`])
  })

  it("leaves the account as it is when a region's rules could not be read", () => {
    const outcomes = run(
      memberAccountNotMonitored,
      view(MEMBER, {
        forwarding: [{ region: 'us-east-1', state: 'unknown', missingRules: [], detail: 'timeout' }],
      }),
    )
    expect(outcomes.map((o) => o.status)).toEqual(['unknown'])
  })

  it('judges no suspended account', () => {
    const input = {
      ...view(MEMBER, { reader: 'missing' }),
      account: account(MEMBER, { status: 'SUSPENDED' }),
    }
    expect(run(memberAccountNotMonitored, input).map((o) => o.status)).toEqual(['unknown'])
  })
})

describe('org-root-credentials-not-centralized', () => {
  it('fails on the organization when root sessions are not enabled', () => {
    // Prepare
    const input = view(MANAGEMENT, {}, { rootAccessFeatures: ['RootCredentialsManagement'] })
    // Act
    const outcomes = run(orgRootCredentialsNotCentralized, input)
    // Assess
    expect(failingIds(outcomes)).toEqual([ORG])
    expect(failures(outcomes)[0]!.resource.type).toBe('AwsOrganization')
    expect(failures(outcomes)[0]!.evidence).toMatchObject({ featuresMissing: ['RootSessions'] })
  })

  it('passes on the organization when both features are enabled', () => {
    const outcomes = run(orgRootCredentialsNotCentralized, view(MANAGEMENT))
    expect(outcomes.map((o) => [o.resource.id, o.status])).toEqual([[ORG, 'pass']])
  })

  it('leaves the organization as it is when the features could not be read', () => {
    const input = view(
      MANAGEMENT,
      {},
      {
        rootAccessFeatures: undefined,
        featuresProblem: 'ListOrganizationsFeatures: AccountNotManagementOrDelegatedAdministrator',
      },
    )
    delete (input as Partial<OrganizationSource>).rootAccessFeatures
    expect(unknownIds(run(orgRootCredentialsNotCentralized, input))).toEqual([
      `${ORG}: ListOrganizationsFeatures: AccountNotManagementOrDelegatedAdministrator`,
    ])
  })

  it('fails when a member account still has root access keys and an MFA device', () => {
    const input = view(MEMBER, {
      root: { mfaEnabled: true, accessKeysPresent: true, signingCertificatesPresent: false },
    })
    const outcomes = run(orgRootCredentialsNotCentralized, input)
    expect(failingIds(outcomes)).toEqual([MEMBER])
    expect(failures(outcomes)[0]!.evidence.rootCredentials).toEqual(['MFA device', 'access keys'])
  })

  it('passes a member account whose root user holds nothing', () => {
    expect(run(orgRootCredentialsNotCentralized, view(MEMBER)).map((o) => o.status)).toEqual(['pass'])
  })

  it('leaves a member account as it is when its root summary could not be read', () => {
    const input = view(MEMBER, { reader: 'missing', root: undefined, forwarding: [] })
    delete (input.probe as Partial<MemberProbe>).root
    expect(run(orgRootCredentialsNotCentralized, input).map((o) => o.status)).toEqual(['unknown'])
  })

  it('judges nothing for a configured account list, which has no organization', () => {
    const input = view(MEMBER, {}, {})
    delete (input as Partial<OrganizationSource>).organizationId
    expect(run(orgRootCredentialsNotCentralized, input)).toEqual([])
  })
})
