import { GetAccountPasswordPolicy, GetAccountSummary } from './account.ts'
import {
  GetAccountAuthorizationDetails,
  GetPolicy,
  GetPolicyVersion,
  GetRole,
  ListServerCertificates,
} from './authorization.ts'
import { GenerateCredentialReport, GetCredentialReport } from './credential-report.ts'
import { GetCallerIdentity } from './sts.ts'
import type { ActionHandler } from './types.ts'
import { GetAccessKeyLastUsed, GetLoginProfile, GetUser } from './user.ts'
import { ListAccessKeys, ListMFADevices, ListUsers, ListVirtualMFADevices } from './users.ts'

/** The IAM actions the simulator speaks. Anything else answers InvalidAction, as IAM does. */
export const IAM_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  GenerateCredentialReport,
  GetCredentialReport,
  GetAccountPasswordPolicy,
  GetAccountSummary,
  ListUsers,
  ListAccessKeys,
  ListMFADevices,
  ListVirtualMFADevices,
  GetUser,
  GetLoginProfile,
  GetAccessKeyLastUsed,
  GetAccountAuthorizationDetails,
  GetRole,
  GetPolicy,
  GetPolicyVersion,
  ListServerCertificates,
}

/** STS actions, served on the same port (Version=2011-06-15). */
export const STS_ACTIONS: Readonly<Record<string, ActionHandler>> = { GetCallerIdentity }
