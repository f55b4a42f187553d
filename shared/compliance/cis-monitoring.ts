import type { Requirement } from './types.ts'

export const MONITORING = '4 Monitoring'

/**
 * Section 4 (Monitoring) of the CIS AWS Foundations Benchmark: the same sixteen controls, numbers and
 * detections in v3.0 and v5.0, only two titles worded differently (`titles`, by control id). iamwatch's
 * detections watch the events themselves, in real time, not the metric filters and alarms the audit names.
 */
export function cisMonitoring(titles: Readonly<Record<string, string>> = {}): Requirement[] {
  const requirements: Requirement[] = [
    {
      id: '4.1',
      title: 'Ensure unauthorized API calls are monitored',
      section: MONITORING,
      checks: ['unauthorized-api-calls'],
    },
    {
      id: '4.2',
      title: 'Ensure management console sign-in without MFA is monitored',
      section: MONITORING,
      checks: ['console-login-no-mfa'],
    },
    {
      id: '4.3',
      title: "Ensure usage of the 'root' account is monitored",
      section: MONITORING,
      // The benchmark's filter matches root's console sign-in too: root-activity leaves it to root-console-login.
      checks: ['root-activity', 'root-console-login'],
    },
    {
      id: '4.4',
      title: 'Ensure IAM policy changes are monitored',
      section: MONITORING,
      checks: ['iam-policy-change', 'admin-policy-attached'],
    },
    {
      id: '4.5',
      title: 'Ensure CloudTrail configuration changes are monitored',
      section: MONITORING,
      checks: ['cloudtrail-tampering'],
      manual:
        'cloudtrail-tampering alerts on StopLogging, DeleteTrail, UpdateTrail and event selectors that drop management events; CreateTrail and StartLogging, which reduce no logging, are not alerted.',
    },
    {
      id: '4.6',
      title: 'Ensure AWS Management Console authentication failures are monitored',
      section: MONITORING,
      checks: ['console-login-failures'],
    },
    {
      id: '4.7',
      title: 'Ensure disabling or scheduled deletion of customer created CMKs is monitored',
      section: MONITORING,
      checks: ['kms-key-disabled'],
    },
    {
      id: '4.8',
      title: 'Ensure S3 bucket policy changes are monitored',
      section: MONITORING,
      checks: ['s3-bucket-policy-change'],
    },
    {
      id: '4.9',
      title: 'Ensure AWS Config configuration changes are monitored',
      section: MONITORING,
      checks: ['security-service-disabled', 'config-change'],
    },
    {
      id: '4.10',
      title: 'Ensure security group changes are monitored',
      section: MONITORING,
      checks: ['security-group-change'],
    },
    {
      id: '4.11',
      title: 'Ensure Network Access Control List (NACL) changes are monitored',
      section: MONITORING,
      checks: ['network-acl-change'],
    },
    {
      id: '4.12',
      title: 'Ensure changes to network gateways are monitored',
      section: MONITORING,
      checks: ['network-gateway-change'],
    },
    {
      id: '4.13',
      title: 'Ensure route table changes are monitored',
      section: MONITORING,
      checks: ['route-table-change'],
    },
    {
      id: '4.14',
      title: 'Ensure VPC changes are monitored',
      section: MONITORING,
      checks: ['vpc-change'],
    },
    {
      id: '4.15',
      title: 'Ensure AWS Organizations changes are monitored',
      section: MONITORING,
      checks: ['organizations-change'],
      manual:
        'organizations-change alerts on LeaveOrganization, Attach/Detach/Delete/UpdatePolicy and RemoveAccountFromOrganization; confirm the other Organizations changes (CreateAccount, InviteAccountToOrganization, MoveAccount, organizational unit and policy-type changes, handshakes) are alerted on in the management account.',
    },
    {
      id: '4.16',
      title: 'Ensure AWS Security Hub is enabled',
      section: MONITORING,
      checks: ['security-hub-disabled'],
      manual:
        'security-hub-disabled alerts when Security Hub is disabled in a region, detached from its administrator or loses members; iamwatch does not scan that it is enabled: `aws securityhub describe-hub` succeeds in every region in use.',
    },
  ]
  return requirements.map((r) => (titles[r.id] ? { ...r, title: titles[r.id]! } : r))
}
