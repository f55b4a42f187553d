import { GetAccountPasswordPolicy, GetAccountSummary } from './account.ts'
import { GenerateCredentialReport, GetCredentialReport } from './credential-report.ts'
import type { ActionHandler } from './types.ts'
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
}
