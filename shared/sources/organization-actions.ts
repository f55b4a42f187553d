/**
 * The actions the organization part takes: discovery and centralized root access from the central
 * account, and the probe of each member account through its reader role. The stacks grant them (the
 * central functions, and the member accounts' reader role beside the scans' read actions); a test compares.
 */
export const ORGANIZATION_CENTRAL_ACTIONS = [
  'organizations:DescribeOrganization',
  'organizations:ListAccounts',
  'organizations:ListParents',
  'organizations:DescribeOrganizationalUnit',
  'iam:ListOrganizationsFeatures',
] as const

/** Read in every member account with its reader role: root credentials present, and the forwarding rules. */
export const ORGANIZATION_MEMBER_ACTIONS = [
  'iam:GetAccountSummary',
  'events:ListRules',
  'events:ListTargetsByRule',
] as const
