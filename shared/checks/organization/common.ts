import type { ResourceRef } from '../../model/finding.ts'
import type { OrganizationSource } from '../../organization/model.ts'

/** The account an organization check judges. */
export const accountResource = (o: OrganizationSource): ResourceRef => ({
  type: 'AwsAccount',
  id: o.account.id,
  arn: o.accountArn,
})

/** Accounts that are not ACTIVE (suspended, closing) cannot be read: the organization checks leave them be. */
export const inactive = (o: OrganizationSource) =>
  o.account.status === 'ACTIVE' ? undefined : `the account is ${o.account.status}`
