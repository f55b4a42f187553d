import type { Framework } from './types.ts'

const ACCOUNT = 'Account'
const IAM = 'IAM'
const CLOUDTRAIL = 'CloudTrail'

/**
 * AWS Foundational Security Best Practices v1.0.0 (the Security Hub CSPM standard): every control of its
 * Account, IAM and CloudTrail sections, the ones iamwatch is about.
 *
 * Sources: the control list of the three sections is Steampipe's foundational_security/{account,iam,
 * cloudtrail}.pp (turbot/steampipe-mod-aws-compliance a1d0b446), which follows the standard's page in
 * the Security Hub user guide ("Controls that apply to the FSBP standard"); the check of each control is
 * the catalog's "SH" column. Prowler's aws_foundational_security_best_practices_aws.json also lists
 * IAM.9, IAM.10, IAM.19, IAM.22, IAM.26 and CloudTrail.3, 6 and 7 under this standard: the user guide
 * assigns those to the CIS, PCI DSS and NIST standards, so they are left out here (not confirmed on the
 * user guide's per-control pages). The Security Hub controls iamwatch covers outside FSBP stay listed
 * per check in shared/checks/frameworks.ts (`securityHub`).
 */
export const FSBP: Framework = {
  id: 'fsbp',
  name: 'AWS Foundational Security Best Practices v1.0.0',
  version: '1.0.0',
  sections: [ACCOUNT, IAM, CLOUDTRAIL],
  requirements: [
    {
      id: 'Account.1',
      title: 'Security contact information should be provided for an AWS account',
      section: ACCOUNT,
      checks: [],
      manual:
        '`aws account get-alternate-contact --alternate-contact-type SECURITY` returns a monitored team address and phone.',
    },
    {
      id: 'IAM.1',
      title: 'IAM policies should not allow full "*" administrative privileges',
      section: IAM,
      checks: ['admin-policy'],
    },
    {
      id: 'IAM.2',
      title: 'IAM users should not have IAM policies attached',
      section: IAM,
      checks: ['user-direct-policy'],
    },
    {
      id: 'IAM.3',
      title: "IAM users' access keys should be rotated every 90 days or less",
      section: IAM,
      checks: ['access-key-rotation'],
    },
    {
      id: 'IAM.4',
      title: 'IAM root user access key should not exist',
      section: IAM,
      checks: ['root-access-key'],
    },
    {
      id: 'IAM.5',
      title: 'MFA should be enabled for all IAM users that have a console password',
      section: IAM,
      checks: ['console-user-no-mfa'],
    },
    {
      id: 'IAM.6',
      title: 'Hardware MFA should be enabled for the root user',
      section: IAM,
      checks: ['root-hardware-mfa'],
    },
    {
      id: 'IAM.7',
      title: 'Password policies for IAM users should have strong configurations',
      section: IAM,
      // The control's defaults: upper and lower case, numbers, symbols, and a minimum length.
      checks: ['password-policy-length', 'password-policy-complexity'],
    },
    {
      id: 'IAM.8',
      title: 'Unused IAM user credentials should be removed',
      section: IAM,
      // 90 days for the control; credential-unused fails at 45 (IAM.22's), so it is at least as strict.
      checks: ['credential-unused'],
    },
    {
      id: 'IAM.21',
      title: 'IAM customer managed policies that you create should not allow wildcard actions for services',
      section: IAM,
      checks: ['service-wildcard-policy'],
    },
    {
      id: 'CloudTrail.1',
      title:
        'CloudTrail should be enabled and configured with at least one multi-Region trail that includes read and write management events',
      section: CLOUDTRAIL,
      checks: ['cloudtrail-multi-region-missing'],
    },
    {
      id: 'CloudTrail.2',
      title: 'CloudTrail should have encryption at-rest enabled',
      section: CLOUDTRAIL,
      checks: [],
      manual: 'Every trail in `aws cloudtrail describe-trails` has a KmsKeyId.',
    },
    {
      id: 'CloudTrail.4',
      title: 'CloudTrail log file validation should be enabled',
      section: CLOUDTRAIL,
      checks: ['cloudtrail-log-validation'],
    },
    {
      id: 'CloudTrail.5',
      title: 'CloudTrail trails should be integrated with Amazon CloudWatch Logs',
      section: CLOUDTRAIL,
      checks: [],
      manual: 'Every trail in `aws cloudtrail describe-trails` has a CloudWatchLogsLogGroupArn.',
    },
  ],
}
