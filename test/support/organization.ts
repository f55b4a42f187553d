import type { SimCredential } from '../../local/iam-sim/identity.ts'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { accessAnalyzerClient } from '../../shared/aws/access-analyzer.ts'
import { type AccountClients, AccountSessions, eventBridgeClient } from '../../shared/aws/account-sessions.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import { cloudTrailClient } from '../../shared/aws/cloudtrail.ts'
import { expectedForwardRules } from '../../shared/aws/member-probe.ts'
import { organizationsClient } from '../../shared/aws/organizations.ts'
import { stsClient } from '../../shared/aws/sts.ts'
import { credentialsOf } from '../simulator/organization.ts'

/** The central account's clients with a session of its scan role, against the simulator. */
export function centralClients(sim: IamSimulator, session: SimCredential, accountId: string) {
  const o = {
    endpoint: sim.endpoint,
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: credentialsOf(session),
  }
  const central: AccountClients = {
    accountId,
    iam: iamClient(o),
    cloudTrail: cloudTrailClient(o),
    accessAnalyzer: (region) => accessAnalyzerClient(region, o),
    events: (region) => eventBridgeClient({ ...o, region }),
  }
  const sts = stsClient(o)
  const sessions = new AccountSessions({
    sts,
    roleName: 'iamwatch-reader',
    centralAccountId: accountId,
    central,
    sessionName: 'iamwatch-test',
    overrides: { endpoint: sim.endpoint, region: 'us-east-1', maxAttempts: 1 },
  })
  return { central, sts, sessions, organizations: organizationsClient(o) }
}

/** The forwarding rules the member template makes, put into an account's region (targeting the central bus). */
export function forwardEvents(
  sim: IamSimulator,
  accountId: string,
  centralAccountId: string,
  region = 'us-east-1',
) {
  for (const name of expectedForwardRules(region))
    sim.events.putRule(accountId, region, {
      name,
      eventPattern: '{"source":[{"prefix":"aws."}]}',
      state: 'ENABLED',
      targets: [{ Id: 'central', Arn: `arn:aws:events:us-east-1:${centralAccountId}:event-bus/default` }],
    })
}
