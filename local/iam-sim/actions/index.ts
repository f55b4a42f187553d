import {
  GenerateServiceLastAccessedDetails,
  GetServiceLastAccessedDetails,
  GetServiceLastAccessedDetailsWithEntities,
} from './access-advisor.ts'
import {
  DeleteAccountPasswordPolicy,
  GetAccountPasswordPolicy,
  GetAccountSummary,
  ListOrganizationsFeatures,
  UpdateAccountPasswordPolicy,
} from './account.ts'
import { AssumeRole } from './assume-role.ts'
import {
  GetAccountAuthorizationDetails,
  GetPolicy,
  GetPolicyVersion,
  GetRole,
  ListServerCertificates,
} from './authorization.ts'
import { GenerateCredentialReport, GetCredentialReport } from './credential-report.ts'
import * as policyWrites from './policy-writes.ts'
import {
  GetGroup,
  GetUserPolicy,
  ListAttachedGroupPolicies,
  ListAttachedRolePolicies,
  ListAttachedUserPolicies,
  ListGroupsForUser,
  ListUserPolicies,
  ListUserTags,
} from './principals.ts'
import { GetCallerIdentity } from './sts.ts'
import type { ActionHandler } from './types.ts'
import { GetAccessKeyLastUsed, GetLoginProfile, GetUser } from './user.ts'
import * as userWrites from './user-writes.ts'
import { ListAccessKeys, ListMFADevices, ListUsers, ListVirtualMFADevices } from './users.ts'

/**
 * The IAM write actions the simulator speaks. Each successful call (and each one IAM refuses) is also a
 * CloudTrail management event: the server writes its record to the CloudTrail sink.
 */
export const IAM_WRITE_ACTIONS: Readonly<Record<string, ActionHandler>> = {
  CreateUser: userWrites.CreateUser,
  DeleteUser: userWrites.DeleteUser,
  TagUser: userWrites.TagUser,
  CreateLoginProfile: userWrites.CreateLoginProfile,
  UpdateLoginProfile: userWrites.UpdateLoginProfile,
  DeleteLoginProfile: userWrites.DeleteLoginProfile,
  CreateAccessKey: userWrites.CreateAccessKey,
  UpdateAccessKey: userWrites.UpdateAccessKey,
  DeleteAccessKey: userWrites.DeleteAccessKey,
  CreateVirtualMFADevice: userWrites.CreateVirtualMFADevice,
  EnableMFADevice: userWrites.EnableMFADevice,
  DeactivateMFADevice: userWrites.DeactivateMFADevice,
  DeleteVirtualMFADevice: userWrites.DeleteVirtualMFADevice,
  CreateGroup: userWrites.CreateGroup,
  AddUserToGroup: userWrites.AddUserToGroup,
  RemoveUserFromGroup: userWrites.RemoveUserFromGroup,
  AttachUserPolicy: policyWrites.AttachUserPolicy,
  AttachGroupPolicy: policyWrites.AttachGroupPolicy,
  AttachRolePolicy: policyWrites.AttachRolePolicy,
  DetachUserPolicy: policyWrites.DetachUserPolicy,
  DetachGroupPolicy: policyWrites.DetachGroupPolicy,
  DetachRolePolicy: policyWrites.DetachRolePolicy,
  PutUserPolicy: policyWrites.PutUserPolicy,
  PutGroupPolicy: policyWrites.PutGroupPolicy,
  PutRolePolicy: policyWrites.PutRolePolicy,
  DeleteUserPolicy: policyWrites.DeleteUserPolicy,
  DeleteGroupPolicy: policyWrites.DeleteGroupPolicy,
  DeleteRolePolicy: policyWrites.DeleteRolePolicy,
  CreatePolicy: policyWrites.CreatePolicy,
  CreatePolicyVersion: policyWrites.CreatePolicyVersion,
  SetDefaultPolicyVersion: policyWrites.SetDefaultPolicyVersion,
  DeletePolicyVersion: policyWrites.DeletePolicyVersion,
  DeletePolicy: policyWrites.DeletePolicy,
  CreateRole: policyWrites.CreateRole,
  UpdateAssumeRolePolicy: policyWrites.UpdateAssumeRolePolicy,
  DeleteRole: policyWrites.DeleteRole,
  PutUserPermissionsBoundary: policyWrites.PutUserPermissionsBoundary,
  PutRolePermissionsBoundary: policyWrites.PutRolePermissionsBoundary,
  DeleteUserPermissionsBoundary: policyWrites.DeleteUserPermissionsBoundary,
  DeleteRolePermissionsBoundary: policyWrites.DeleteRolePermissionsBoundary,
  UpdateAccountPasswordPolicy,
  DeleteAccountPasswordPolicy,
}

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
  GetGroup,
  ListGroupsForUser,
  ListAttachedUserPolicies,
  ListAttachedGroupPolicies,
  ListAttachedRolePolicies,
  ListUserPolicies,
  GetUserPolicy,
  ListUserTags,
  GenerateServiceLastAccessedDetails,
  GetServiceLastAccessedDetails,
  GetServiceLastAccessedDetailsWithEntities,
  ListOrganizationsFeatures,
  ...IAM_WRITE_ACTIONS,
}

/** STS actions, served on the same port (Version=2011-06-15). */
export const STS_ACTIONS: Readonly<Record<string, ActionHandler>> = { GetCallerIdentity, AssumeRole }
