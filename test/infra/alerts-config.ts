/**
 * A configuration with every alert channel (shared/config/alerts.ts): two routes (one narrowed to accounts
 * and OUs, detections only, without the digest), a Slack and a Teams channel, escalation to an email address
 * and to an existing topic of another account, the daily digest at 07:30 in Berlin, and Security Hub.
 */
export const ALERTS_CONFIG = {
  alerts: {
    routes: [
      {
        name: 'security-team',
        minSeverity: 'high',
        email: ['secops@example.com', 'ciso@example.com'],
      },
      {
        name: 'prod-workloads',
        accounts: ['111122223333'],
        ous: ['Root/Workloads/Prod', 'Root/Shared/'],
        kind: 'detection',
        digest: false,
        email: ['platform@example.com'],
      },
    ],
    slack: [{ name: 'sec-alerts', workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' }],
    teams: [
      {
        name: 'sec-teams',
        tenantId: '8f3a1c2e-1b2d-4e5f-9a0b-1c2d3e4f5a6b',
        teamId: '0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
        channelId: '19:abc123@thread.tacv2',
      },
    ],
    escalation: {
      afterMinutes: 15,
      email: ['pager@example.com'],
      topicArn: 'arn:aws:sns:us-east-1:210987654321:pagerduty-critical',
    },
    digest: { time: '07:30', timeZone: 'Europe/Berlin' },
    securityHub: { enabled: true },
  },
} as const

/** The external escalation topic of ALERTS_CONFIG. */
export const EXTERNAL_TOPIC = ALERTS_CONFIG.alerts.escalation.topicArn
