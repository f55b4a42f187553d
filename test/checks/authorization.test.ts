import { describe, expect, it } from 'vitest'
import { adminManagedPolicyAttached } from '../../shared/checks/authorization/admin-managed-policy-attached.ts'
import { adminPolicy } from '../../shared/checks/authorization/admin-policy.ts'
import { adminWithoutMfa } from '../../shared/checks/authorization/admin-without-mfa.ts'
import { cloudshellFullAccess } from '../../shared/checks/authorization/cloudshell-full-access.ts'
import { policyNotEvaluable } from '../../shared/checks/authorization/policy-not-evaluable.ts'
import { privilegeEscalation } from '../../shared/checks/authorization/privilege-escalation.ts'
import { roleTrustConfusedDeputy } from '../../shared/checks/authorization/role-trust-confused-deputy.ts'
import { roleTrustExternalAccount } from '../../shared/checks/authorization/role-trust-external-account.ts'
import { roleTrustWildcard } from '../../shared/checks/authorization/role-trust-wildcard.ts'
import { serverCertificateExpired } from '../../shared/checks/authorization/server-certificate-expired.ts'
import { serviceWildcardPolicy } from '../../shared/checks/authorization/service-wildcard-policy.ts'
import { supportRoleMissing } from '../../shared/checks/authorization/support-role-missing.ts'
import { userDirectPolicy } from '../../shared/checks/authorization/user-direct-policy.ts'
import type { CredentialUser } from '../../shared/normalize/credential-report.ts'
import {
  ADMIN,
  allow,
  assume,
  aws,
  details,
  local,
  policyDoc,
  STANDARD_POLICIES,
  source,
  trustDoc,
} from '../support/authorization.ts'
import { daysAgo, failingIds, failures, inventory, NOW, run, user } from '../support/fixtures.ts'

const lambdaTrust = trustDoc(
  assume({ Service: 'lambda.amazonaws.com' }, { StringEquals: { 'aws:SourceAccount': '123456789012' } }),
)

describe('admin-policy', () => {
  it('fails customer-managed, attached AWS-managed and inline admin policies, naming the statement', () => {
    const input = source(
      details({
        users: { alice: { inline: { everything: policyDoc({ Sid: 'All', ...allow('*') }) } } },
        roles: { ops: { trust: lambdaTrust, attached: [aws('AdministratorAccess')] } },
        policies: {
          ...STANDARD_POLICIES,
          Wide: {
            arn: local('Wide'),
            doc: policyDoc({ Effect: 'Allow', NotAction: 'iam:*', Resource: '*' }),
          },
        },
      }),
    )
    const f = failures(run(adminPolicy, input))
    expect(f.map((o) => o.credentialId ?? o.resource.id).sort()).toEqual(
      [aws('AdministratorAccess'), local('Wide'), 'inline:everything'].sort(),
    )
    expect(f.find((o) => o.credentialId === 'inline:everything')?.evidence.statements).toEqual(['All'])
  })

  it('passes scoped policies, conditional grants, and AWS-managed admin policies nobody uses', () => {
    const input = source(
      details({
        policies: {
          AdministratorAccess: { arn: aws('AdministratorAccess'), doc: ADMIN, attachments: 0 },
          Scoped: { arn: local('Scoped'), doc: policyDoc(allow('*', 'arn:aws:s3:::bucket/*')) },
          MfaOnly: {
            arn: local('MfaOnly'),
            doc: policyDoc(
              allow('*', '*', { Condition: { Bool: { 'aws:MultiFactorAuthPresent': 'true' } } }),
            ),
          },
        },
      }),
    )
    expect(failures(run(adminPolicy, input))).toEqual([])
  })
})

describe('service-wildcard-policy', () => {
  it('fails a policy granting service:* and names the services', () => {
    const input = source(
      details({
        policies: { Keys: { arn: local('Keys'), doc: policyDoc(allow(['kms:*', 's3:GetObject'])) } },
      }),
    )
    expect(failures(run(serviceWildcardPolicy, input))[0]?.evidence.actions).toEqual(['kms:*'])
  })

  it('passes specific actions and wildcards inside action names', () => {
    const input = source(
      details({
        policies: { Read: { arn: local('Read'), doc: policyDoc(allow(['s3:Get*', 'kms:Decrypt'])) } },
      }),
    )
    expect(failures(run(serviceWildcardPolicy, input))).toEqual([])
  })
})

describe('admin-managed-policy-attached', () => {
  it('fails each user, group and role with AdministratorAccess attached', () => {
    const input = source(
      details({
        users: { alice: { attached: [aws('AdministratorAccess')] } },
        groups: { admins: { attached: [aws('AdministratorAccess')] } },
        roles: { ops: { trust: lambdaTrust, attached: [aws('ReadOnlyAccess')] } },
        policies: STANDARD_POLICIES,
      }),
    )
    expect(failingIds(run(adminManagedPolicyAttached, input))).toEqual(['user/alice', 'group/admins'])
  })
})

describe('cloudshell-full-access', () => {
  it('fails where AWSCloudShellFullAccess is attached, and only there', () => {
    const input = source(
      details({
        users: { dev: { attached: [aws('AWSCloudShellFullAccess')] }, qa: {} },
        policies: STANDARD_POLICIES,
      }),
    )
    expect(failingIds(run(cloudshellFullAccess, input))).toEqual(['user/dev'])
  })
})

describe('admin-without-mfa', () => {
  const raw = details({
    users: { alice: { groups: ['admins'] }, bob: { groups: ['admins'] }, carol: {} },
    groups: { admins: { inline: { all: ADMIN } } },
  })

  const credentials = (users: CredentialUser[]) => inventory({ users })

  it('fails an administrator (through a group) without MFA', () => {
    const input = {
      authorization: source(raw),
      credentials: credentials([user('alice'), user('bob', { mfaActive: true }), user('carol')]),
    }
    expect(failingIds(run(adminWithoutMfa, input))).toEqual(['user/alice'])
  })

  it('cannot judge a user whose MFA state was not read', () => {
    // Prepare: an event read only bob's credentials live
    const input = { authorization: source(raw), credentials: credentials([user('bob')]) }
    // Act
    const outcomes = run(adminWithoutMfa, input)
    // Assess
    expect(outcomes.map((o) => [o.resource.id, o.status])).toEqual([
      ['user/alice', 'unknown'],
      ['user/bob', 'fail'],
      ['user/carol', 'pass'],
    ])
    expect(outcomes[2]!.basis).toEqual(['authorization'])
  })
})

describe('user-direct-policy', () => {
  it('fails users with attached or inline policies of their own, not those with group policies only', () => {
    const input = source(
      details({
        users: { a: { attached: [local('X')] }, b: { inline: { p: ADMIN } }, c: { groups: ['g'] } },
        groups: { g: { inline: { p: ADMIN } } },
      }),
    )
    expect(failingIds(run(userDirectPolicy, input))).toEqual(['user/a', 'user/b'])
  })
})

describe('privilege-escalation', () => {
  it('fails per combination and names the actions and statements that grant it', () => {
    const input = source(
      details({
        roles: {
          ci: {
            trust: lambdaTrust,
            inline: { deploy: policyDoc({ Sid: 'Pass', ...allow(['iam:PassRole', 'ec2:RunInstances']) }) },
          },
        },
      }),
    )
    const [f] = failures(run(privilegeEscalation, input))
    expect(f?.credentialId).toBe('pass-role-ec2')
    expect(f?.evidence.grants).toEqual(['iam:PassRole via deploy#Pass', 'ec2:RunInstances via deploy#Pass'])
  })

  it('does not repeat what admin-policy says about administrators, and passes a Deny-guarded principal', () => {
    const input = source(
      details({
        users: {
          root2: { inline: { all: ADMIN } },
          guarded: {
            inline: { p: policyDoc(allow('iam:*'), { Effect: 'Deny', Action: 'iam:*', Resource: '*' }) },
          },
        },
      }),
    )
    expect(failures(run(privilegeEscalation, input))).toEqual([])
  })
})

describe('role-trust-wildcard', () => {
  it('fails a trust open to *, even with an external id', () => {
    const input = source(
      details({
        roles: {
          open: { trust: trustDoc(assume('*')) },
          ext: { trust: trustDoc(assume({ AWS: '*' }, { StringEquals: { 'sts:ExternalId': 'x' } })) },
        },
      }),
    )
    expect(failingIds(run(roleTrustWildcard, input))).toEqual(['role/open', 'role/ext'])
  })

  it('passes * restricted to the organization', () => {
    const input = source(
      details({
        roles: { org: { trust: trustDoc(assume('*', { StringEquals: { 'aws:PrincipalOrgID': 'o-abc' } })) } },
      }),
    )
    expect(failingIds(run(roleTrustWildcard, input))).toEqual([])
  })
})

describe('role-trust-external-account', () => {
  it('fails a trust of an outside account without an external id', () => {
    const input = source(
      details({ roles: { vendor: { trust: trustDoc(assume({ AWS: 'arn:aws:iam::999988887777:root' })) } } }),
    )
    expect(failures(run(roleTrustExternalAccount, input))[0]?.evidence.accounts).toEqual(['999988887777'])
  })

  it('passes the own account, a trusted account, and an outside account with an external id', () => {
    const raw = details({
      roles: {
        own: { trust: trustDoc(assume({ AWS: '123456789012' })) },
        partner: { trust: trustDoc(assume({ AWS: 'arn:aws:iam::111100001111:root' })) },
        vendor: {
          trust: trustDoc(
            assume({ AWS: 'arn:aws:iam::999988887777:root' }, { StringEquals: { 'sts:ExternalId': 'k3y' } }),
          ),
        },
      },
    })
    expect(
      failingIds(run(roleTrustExternalAccount, source(raw, { trustedAccounts: new Set(['111100001111']) }))),
    ).toEqual([])
  })
})

describe('role-trust-confused-deputy', () => {
  it('fails a service trust without aws:SourceAccount or aws:SourceArn', () => {
    const input = source(
      details({
        roles: {
          bare: { trust: trustDoc(assume({ Service: 'sns.amazonaws.com' })) },
          pinned: { trust: lambdaTrust },
        },
      }),
    )
    expect(failingIds(run(roleTrustConfusedDeputy, input))).toEqual(['role/bare'])
  })

  it('skips service-linked roles', () => {
    const input = source(
      details({
        roles: {
          AWSServiceRoleForSupport: {
            path: '/aws-service-role/support.amazonaws.com/',
            trust: trustDoc(assume({ Service: 'support.amazonaws.com' })),
          },
        },
      }),
    )
    expect(run(roleTrustConfusedDeputy, input)).toEqual([])
  })
})

describe('support-role-missing', () => {
  it('fails when no role has AWSSupportAccess, passes when one has', () => {
    expect(
      failures(run(supportRoleMissing, source(details({ roles: { a: { trust: lambdaTrust } } })))),
    ).toHaveLength(1)
    const input = source(
      details({
        roles: { support: { trust: lambdaTrust, attached: [aws('AWSSupportAccess')] } },
        policies: STANDARD_POLICIES,
      }),
    )
    expect(failures(run(supportRoleMissing, input))).toEqual([])
  })
})

describe('server-certificate-expired', () => {
  it('fails an expired certificate and passes a valid one', () => {
    const input = source(details({}), {
      serverCertificates: [
        { name: 'old', arn: 'arn:aws:iam::123456789012:server-certificate/old', expiration: daysAgo(1) },
        {
          name: 'new',
          arn: 'arn:aws:iam::123456789012:server-certificate/new',
          expiration: new Date(NOW.getTime() + 86_400_000),
        },
      ],
    })
    expect(failingIds(run(serverCertificateExpired, input))).toEqual(['old'])
  })
})

describe('policy-not-evaluable', () => {
  it('reports each policy that cannot be evaluated, with the reason, where it lives', () => {
    const raw = details({
      users: { bob: { inline: { good: ADMIN } } },
      roles: {
        r: {
          trust: { Statement: [{ Effect: 'Allow', Principal: '*', Action: 'sts:AssumeRole', Extra: 1 }] },
        },
      },
    })
    raw.UserDetailList![0]!.UserPolicyList!.push({
      PolicyName: 'broken',
      PolicyDocument: '%7B%22Statement%22%3A%5B',
    })
    const f = failures(run(policyNotEvaluable, source(raw)))
    expect(f.map((o) => [o.resource.id, o.credentialId, o.evidence.reason])).toEqual([
      ['user/bob', 'inline:broken', 'not a JSON object'],
      ['role/r', 'trust', 'Statement[0]: unknown element Extra'],
    ])
  })

  it('passes readable documents', () => {
    const input = source(details({ users: { bob: { inline: { good: ADMIN } } } }))
    expect(failures(run(policyNotEvaluable, input))).toEqual([])
  })
})
