import { CIS_AWS_3_0 } from '../compliance/cis-aws-3.0.ts'
import { CIS_AWS_5_0 } from '../compliance/cis-aws-5.0.ts'
import type { Framework } from '../compliance/types.ts'

/**
 * Where each check stands in the established frameworks, keyed by check id. CIS numbers are the AWS
 * Foundations Benchmark v3.0 (equal to v4.0) and v5.0, read from the frameworks' own files
 * (shared/compliance/); SH is the Security Hub CSPM control (those of the FSBP standard agree with
 * shared/compliance/fsbp.ts, a test says so), Config the AWS Config managed rule, Prowler its check names.
 */
export interface FrameworkMapping {
  cis3?: string
  cis5?: string
  securityHub?: readonly string[]
  config?: string
  prowler?: readonly string[]
}

/** The number of the requirement a check is evidence for in a CIS framework (a check has at most one). */
function cisNumber(framework: Framework, checkId: string): string | undefined {
  return framework.requirements.find((r) => r.checks.includes(checkId))?.id
}

/** The mappings kept here, beside the CIS numbers the framework files own. */
const OTHER: Readonly<Record<string, Omit<FrameworkMapping, 'cis3' | 'cis5'>>> = {
  'root-access-key': {
    securityHub: ['IAM.4'],
    config: 'iam-root-access-key-check',
    prowler: ['iam_no_root_access_key'],
  },
  'root-mfa': {
    securityHub: ['IAM.9'],
    config: 'root-account-mfa-enabled',
    prowler: ['iam_root_mfa_enabled'],
  },
  'root-hardware-mfa': {
    securityHub: ['IAM.6'],
    config: 'root-account-hardware-mfa-enabled',
    prowler: ['iam_root_hardware_mfa_enabled'],
  },
  'root-recent-use': { securityHub: ['IAM.20'], prowler: ['iam_avoid_root_usage'] },
  'console-user-no-mfa': {
    securityHub: ['IAM.5'],
    config: 'mfa-enabled-for-iam-console-access',
    prowler: ['iam_user_mfa_enabled_console_access'],
  },
  'user-no-mfa': {
    securityHub: ['IAM.19'],
    config: 'iam-user-mfa-enabled',
    prowler: ['iam_user_hardware_mfa_enabled'],
  },
  'credential-unused': {
    securityHub: ['IAM.22', 'IAM.8'],
    config: 'iam-user-unused-credentials-check',
    prowler: ['iam_user_accesskey_unused', 'iam_user_console_access_unused'],
  },
  'access-key-rotation': {
    securityHub: ['IAM.3'],
    config: 'access-keys-rotated',
    prowler: ['iam_rotate_access_key_90_days'],
  },
  'multiple-active-keys': { prowler: ['iam_user_two_active_access_key'] },
  'initial-access-key-unused': {
    prowler: ['iam_user_no_setup_initial_access_key'],
  },
  'password-policy-length': {
    securityHub: ['IAM.15', 'IAM.7'],
    config: 'iam-password-policy',
    prowler: ['iam_password_policy_minimum_length_14'],
  },
  'password-policy-reuse': {
    securityHub: ['IAM.16'],
    config: 'iam-password-policy',
    prowler: ['iam_password_policy_reuse_24'],
  },
  'password-policy-complexity': {
    securityHub: ['IAM.7', 'IAM.11', 'IAM.12', 'IAM.13', 'IAM.14'],
    config: 'iam-password-policy',
    prowler: [
      'iam_password_policy_uppercase',
      'iam_password_policy_lowercase',
      'iam_password_policy_number',
      'iam_password_policy_symbol',
    ],
  },
  'password-policy-expiry': {
    securityHub: ['IAM.17'],
    config: 'iam-password-policy',
    prowler: ['iam_password_policy_expires_passwords_within_90_days_or_less'],
  },
  'admin-policy': {
    securityHub: ['IAM.1'],
    config: 'iam-policy-no-statements-with-admin-access',
    prowler: [
      'iam_aws_attached_policy_no_administrative_privileges',
      'iam_customer_attached_policy_no_administrative_privileges',
      'iam_inline_policy_no_administrative_privileges',
    ],
  },
  'service-wildcard-policy': {
    securityHub: ['IAM.21'],
    config: 'iam-policy-no-statements-with-full-access',
    prowler: ['iam_policy_no_full_access_to_kms', 'iam_policy_no_full_access_to_cloudtrail'],
  },
  'admin-managed-policy-attached': {
    config: 'iam-policy-blacklisted-check',
    prowler: [
      'iam_user_administrator_access_policy',
      'iam_group_administrator_access_policy',
      'iam_role_administrator_access_policy',
    ],
  },
  'cloudshell-full-access': {
    securityHub: ['IAM.27'],
    prowler: ['iam_policy_cloudshell_admin_not_attached'],
  },
  'admin-without-mfa': { prowler: ['iam_administrator_access_with_mfa'] },
  'user-direct-policy': {
    securityHub: ['IAM.2'],
    config: 'iam-user-no-policies-check',
    prowler: ['iam_policy_attached_only_to_group_or_roles'],
  },
  'privilege-escalation': { prowler: ['iam_policy_allows_privilege_escalation'] },
  'role-trust-wildcard': {},
  'role-trust-external-account': { prowler: ['iam_role_cross_account_readonlyaccess_policy'] },
  'role-trust-confused-deputy': { prowler: ['iam_role_cross_service_confused_deputy_prevention'] },
  'support-role-missing': {
    securityHub: ['IAM.18'],
    config: 'iam-policy-in-use',
    prowler: ['iam_support_role_created'],
  },
  'server-certificate-expired': {
    securityHub: ['IAM.26'],
    config: 'iam-server-certificate-expiration-check',
    prowler: ['iam_no_expired_server_certificates_stored'],
  },
  'access-analyzer-disabled': {
    securityHub: ['IAM.28'],
    config: 'iam-external-access-analyzer-enabled',
    prowler: ['accessanalyzer_enabled'],
  },
  'cloudtrail-multi-region-missing': {
    securityHub: ['CloudTrail.1'],
    prowler: ['cloudtrail_multi_region_enabled_logging_management_events'],
  },
  'cloudtrail-not-logging': { prowler: ['cloudtrail_multi_region_enabled'] },
  'cloudtrail-log-validation': {
    securityHub: ['CloudTrail.4'],
    prowler: ['cloudtrail_log_file_validation_enabled'],
  },
  'event-stream-silent': {},
  // A5: Access Analyzer's unused-access findings are the anchors; CIS maps only the user's credentials.
  'role-unused': {},
  'user-unused': {},
  'unused-service-access': {},
  'unused-action-access': {},
  'unused-permissions-policy': { config: 'iam-policy-in-use' },
  'policy-not-evaluable': {},
  // CIS AWS Foundations v7 2.1.x (centralized root access); no CIS v3.0/v5.0 number, no Security Hub control.
  'org-root-credentials-not-centralized': {},
  'member-account-not-monitored': {},
}

/**
 * The detections Security Hub's CloudWatch.1–14 controls stand for. Those controls (of Security Hub's CIS
 * v1.2.0 / v1.4.0 standards, not FSBP) check that a CloudWatch Logs metric filter and an alarm exist for a
 * class of events; iamwatch's detections watch the same events in real time instead. Titles in the README.
 */
const DETECTIONS_FOR_CLOUDWATCH_CONTROLS: Readonly<Record<string, Omit<FrameworkMapping, 'cis3' | 'cis5'>>> =
  {
    'root-activity': { securityHub: ['CloudWatch.1'] },
    'root-console-login': { securityHub: ['CloudWatch.1'] },
    'unauthorized-api-calls': { securityHub: ['CloudWatch.2'] },
    'console-login-no-mfa': { securityHub: ['CloudWatch.3'] },
    'iam-policy-change': { securityHub: ['CloudWatch.4'] },
    'admin-policy-attached': { securityHub: ['CloudWatch.4'] },
    'cloudtrail-tampering': { securityHub: ['CloudWatch.5'] },
    'console-login-failures': { securityHub: ['CloudWatch.6'] },
    'kms-key-disabled': { securityHub: ['CloudWatch.7'] },
    's3-bucket-policy-change': { securityHub: ['CloudWatch.8'] },
    'config-change': { securityHub: ['CloudWatch.9'] },
    'security-service-disabled': { securityHub: ['CloudWatch.9'] },
    'security-group-change': { securityHub: ['CloudWatch.10'] },
    'network-acl-change': { securityHub: ['CloudWatch.11'] },
    'network-gateway-change': { securityHub: ['CloudWatch.12'] },
    'route-table-change': { securityHub: ['CloudWatch.13'] },
    'vpc-change': { securityHub: ['CloudWatch.14'] },
  }

/** Every check's mappings, and the detections' that map to a Security Hub control. */
export const FRAMEWORKS: Readonly<Record<string, FrameworkMapping>> = Object.fromEntries(
  Object.entries({ ...OTHER, ...DETECTIONS_FOR_CLOUDWATCH_CONTROLS }).map(([checkId, other]) => {
    const cis3 = cisNumber(CIS_AWS_3_0, checkId)
    const cis5 = cisNumber(CIS_AWS_5_0, checkId)
    return [checkId, { ...(cis3 ? { cis3 } : {}), ...(cis5 ? { cis5 } : {}), ...other }]
  }),
)
