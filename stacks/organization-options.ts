import { HOME_REGION } from '../shared/eventbridge/patterns.ts'
import { DEFAULT_READER_ROLE } from '../shared/organization/model.ts'

/**
 * The organization options of a deployment (issue 13), their defaults, their validation, and their reading
 * from the deploy's environment. Plain data, no Pulumi: the stack (stacks/organization.ts), sst.config.ts and
 * scripts/member-template.ts all read them.
 */

/** The region whose default bus the member accounts forward to, where IAM's and Organizations' events arrive. */
export const ORGANIZATION_HOME_REGION = HOME_REGION

/** How many member accounts are scanned at once, unless IAMWATCH_ORG_CONCURRENCY says otherwise. */
export const DEFAULT_ORG_CONCURRENCY = 20
export const MAX_ORG_CONCURRENCY = 1000

export type StackSetCallAs = 'SELF' | 'DELEGATED_ADMIN'

export interface OrganizationOptions {
  /** The organization's id, `o-` and 10 to 32 lowercase letters or digits. */
  id: string
  /** The role every member account gives the central scans (default DEFAULT_READER_ROLE, `iamwatch-reader`). */
  readerRoleName?: string
  /** How many member accounts scan-account reads at once (default 20, 1..1000). */
  concurrency?: number
  /**
   * When given, this stack creates the member StackSet (service-managed) and its instances in these OUs (or
   * the root), as the management account (`SELF`) or a delegated administrator of StackSets (`DELEGATED_ADMIN`).
   */
  stackSet?: { organizationalUnitIds: string[]; callAs: StackSetCallAs }
}

/** The options with their defaults filled in, validated. */
export interface Organization {
  id: string
  readerRoleName: string
  concurrency: number
  stackSet?: { organizationalUnitIds: string[]; callAs: StackSetCallAs }
}

export const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/
/** An IAM role name without a path (CreateRole's RoleName: 1 to 64 of `[\w+=,.@-]`). */
export const ROLE_NAME = /^[\w+=,.@-]{1,64}$/
/** An organizational unit id, or the organization's root id (StackSets deploys to either). */
export const OU_OR_ROOT_ID = /^(ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}|r-[0-9a-z]{4,32})$/
export const ACCOUNT_ID = /^\d{12}$/

export class OrganizationOptionsError extends Error {
  override name = 'OrganizationOptionsError'
}

/** Fills in the defaults and checks every value, with an error that names the setting and the value. */
export function resolveOrganization(options: OrganizationOptions): Organization {
  const fail = (message: string) => {
    throw new OrganizationOptionsError(message)
  }
  if (!ORGANIZATION_ID.test(options.id))
    fail(
      `IAMWATCH_ORGANIZATION_ID must be an organization id (o- and 10 to 32 lowercase letters or digits), not "${options.id}"`,
    )
  const readerRoleName = options.readerRoleName ?? DEFAULT_READER_ROLE
  if (!ROLE_NAME.test(readerRoleName))
    fail(
      `IAMWATCH_READER_ROLE must be an IAM role name (1 to 64 letters, digits or +=,.@_-, no path), not "${readerRoleName}"`,
    )
  const concurrency = options.concurrency ?? DEFAULT_ORG_CONCURRENCY
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > MAX_ORG_CONCURRENCY)
    fail(
      `IAMWATCH_ORG_CONCURRENCY must be a whole number from 1 to ${MAX_ORG_CONCURRENCY}, not "${concurrency}"`,
    )
  const stackSet = options.stackSet
  if (stackSet) {
    if (stackSet.organizationalUnitIds.length === 0)
      fail(
        'IAMWATCH_STACKSET_OUS must list at least one organizational unit id (ou-...) or the root id (r-...)',
      )
    for (const ou of stackSet.organizationalUnitIds)
      if (!OU_OR_ROOT_ID.test(ou))
        fail(
          `IAMWATCH_STACKSET_OUS: "${ou}" is not an organizational unit id (ou-xxxx-xxxxxxxx) or a root id (r-xxxx)`,
        )
    if (stackSet.callAs !== 'SELF' && stackSet.callAs !== 'DELEGATED_ADMIN')
      fail(`IAMWATCH_STACKSET_CALL_AS must be SELF or DELEGATED_ADMIN, not "${stackSet.callAs}"`)
  }
  return {
    id: options.id,
    readerRoleName,
    concurrency,
    ...(stackSet
      ? {
          stackSet: {
            organizationalUnitIds: [...new Set(stackSet.organizationalUnitIds)],
            callAs: stackSet.callAs,
          },
        }
      : {}),
  }
}

/** The organization settings read from the environment; none of them without IAMWATCH_ORGANIZATION_ID. */
const ORGANIZATION_ENV = [
  'IAMWATCH_READER_ROLE',
  'IAMWATCH_ORG_CONCURRENCY',
  'IAMWATCH_STACKSET_OUS',
  'IAMWATCH_STACKSET_CALL_AS',
] as const

/**
 * The organization options from the deploy's environment, or undefined when IAMWATCH_ORGANIZATION_ID is not
 * set (a single-account deployment, exactly as before). IAMWATCH_READER_ROLE (a role name),
 * IAMWATCH_ORG_CONCURRENCY (1..1000), IAMWATCH_STACKSET_OUS (ids separated by commas: the stack then creates
 * the member StackSet) and IAMWATCH_STACKSET_CALL_AS (SELF or DELEGATED_ADMIN, the default: the central
 * account is a delegated administrator; SELF when it is the management account). Any of them without the
 * organization id, or the call-as without OUs, is an error rather than a setting silently ignored.
 */
export function organizationOptionsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
): OrganizationOptions | undefined {
  const value = (name: string) => {
    const v = env[name]?.trim()
    return v === undefined || v === '' ? undefined : v
  }
  const id = value('IAMWATCH_ORGANIZATION_ID')
  if (id === undefined) {
    const set = ORGANIZATION_ENV.filter((name) => value(name) !== undefined)
    if (set.length > 0)
      throw new OrganizationOptionsError(
        `${set.join(', ')} ${set.length === 1 ? 'is' : 'are'} set but IAMWATCH_ORGANIZATION_ID is not: set it to watch an organization, or unset ${set.length === 1 ? 'it' : 'them'}`,
      )
    return undefined
  }
  const concurrencyText = value('IAMWATCH_ORG_CONCURRENCY')
  if (concurrencyText !== undefined && !/^\d+$/.test(concurrencyText))
    throw new OrganizationOptionsError(
      `IAMWATCH_ORG_CONCURRENCY must be a whole number from 1 to ${MAX_ORG_CONCURRENCY}, not "${concurrencyText}"`,
    )
  const ousText = value('IAMWATCH_STACKSET_OUS')
  const callAs = value('IAMWATCH_STACKSET_CALL_AS')
  if (ousText === undefined && callAs !== undefined)
    throw new OrganizationOptionsError(
      'IAMWATCH_STACKSET_CALL_AS is set but IAMWATCH_STACKSET_OUS is not: the StackSet is created only for the OUs listed there',
    )
  const ous = (ousText ?? '')
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x !== '')
  if (ousText !== undefined && ous.length === 0)
    throw new OrganizationOptionsError(
      `IAMWATCH_STACKSET_OUS must list organizational unit ids separated by commas, not "${ousText}"`,
    )
  const readerRoleName = value('IAMWATCH_READER_ROLE')
  const options: OrganizationOptions = {
    id,
    ...(readerRoleName !== undefined ? { readerRoleName } : {}),
    ...(concurrencyText !== undefined ? { concurrency: Number(concurrencyText) } : {}),
    ...(ousText !== undefined
      ? {
          stackSet: {
            organizationalUnitIds: ous,
            callAs: (callAs ?? 'DELEGATED_ADMIN') as StackSetCallAs,
          },
        }
      : {}),
  }
  // The same checks as options given in code, so an environment value fails at once, by its name.
  resolveOrganization(options)
  return options
}

/**
 * The central functions that assume the member accounts' reader role: the dispatcher (discovery and probe),
 * the per-account scan, and the event handler (a member account's touched principal). Their roles are
 * named like the functions, `<app>-<function>` (functionResourceName in stacks/lambda.ts).
 */
export const CENTRAL_READER_FUNCTIONS = ['org-dispatch', 'scan-account', 'on-cloudtrail-event'] as const

export const centralReaderRoleNames = (app: string) => CENTRAL_READER_FUNCTIONS.map((fn) => `${app}-${fn}`)
