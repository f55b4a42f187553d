import { ListRulesCommand, ListTargetsByRuleCommand } from '@aws-sdk/client-eventbridge'
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam'
import { mapLimit } from '../engine/limit.ts'
import { HOME_REGION, rulePatterns } from '../eventbridge/patterns.ts'
import {
  FORWARD_RULE_PREFIX,
  type ForwardingState,
  type MemberProbe,
  type RootCredentialsSummary,
} from '../organization/model.ts'
import { type AccountClients, type AccountSessions, ReaderDenied } from './account-sessions.ts'
import { errorCode } from './clients.ts'

export { HOME_REGION }

/** The forwarding rules a member account must have in a region: every pattern at home, the regional ones elsewhere. */
export function expectedForwardRules(region: string): string[] {
  return rulePatterns()
    .filter((r) => region === HOME_REGION || r.regional)
    .map((r) => `${FORWARD_RULE_PREFIX}-${r.name}`)
}

const describe = (err: unknown) =>
  `${errorCode(err)}: ${String((err as Error)?.message ?? err).slice(0, 200)}`

/** GetAccountSummary's root facts: what the root user still holds. */
export async function rootCredentials(clients: AccountClients): Promise<RootCredentialsSummary> {
  const out = await clients.iam.send(new GetAccountSummaryCommand({}))
  const m = out.SummaryMap ?? {}
  const flag = (k: string) => (m as Record<string, number | undefined>)[k] === 1
  return {
    mfaEnabled: flag('AccountMFAEnabled'),
    accessKeysPresent: flag('AccountAccessKeysPresent'),
    signingCertificatesPresent: flag('AccountSigningCertificatesPresent'),
    ...('AccountPasswordPresent' in m ? { passwordPresent: flag('AccountPasswordPresent') } : {}),
  }
}

/** One region's forwarding: each expected rule exists, is enabled, and targets the central bus. */
async function forwarding(
  clients: AccountClients,
  region: string,
  centralBusArn: string,
): Promise<ForwardingState> {
  try {
    const events = clients.events(region)
    const found = new Map<string, string>()
    let token: string | undefined
    do {
      const page = await events.send(
        new ListRulesCommand({ NamePrefix: `${FORWARD_RULE_PREFIX}-`, NextToken: token }),
      )
      for (const r of page.Rules ?? []) if (r.Name) found.set(r.Name, r.State ?? '')
      token = page.NextToken
    } while (token)
    // Each expected rule's targets, 8 at a time (sequential calls were two thirds of a 1,000-account dispatch).
    const verdicts = await mapLimit(expectedForwardRules(region), 8, async (name) => {
      if (!found.get(name)?.startsWith('ENABLED')) return name
      const targets = await events.send(new ListTargetsByRuleCommand({ Rule: name }))
      return (targets.Targets ?? []).some((t) => t.Arn === centralBusArn) ? undefined : name
    })
    const missing = verdicts.filter((n): n is string => n !== undefined)
    return missing.length
      ? { region, state: 'missing', missingRules: missing }
      : { region, state: 'ok', missingRules: [] }
  } catch (err) {
    return { region, state: 'unknown', missingRules: [], detail: describe(err) }
  }
}

/**
 * Tries one account as the central scans will: assume its reader role (AccessDenied means it is missing
 * or does not trust them; anything else is transient and proves nothing), read what its root user holds,
 * and check the forwarding rules of every monitored region. The central account needs no role and no forwarding.
 */
export async function probeMember(
  sessions: AccountSessions,
  accountId: string,
  args: { centralAccountId: string; regions: readonly string[]; centralBusArn: string },
): Promise<MemberProbe> {
  const clients = sessions.clientsFor(accountId)
  const root = async () => {
    try {
      return { root: await rootCredentials(clients) }
    } catch (err) {
      return { rootProblem: describe(err) }
    }
  }
  if (accountId === args.centralAccountId) return { reader: 'not-needed', forwarding: [], ...(await root()) }
  try {
    await sessions.verify(accountId)
  } catch (err) {
    if (err instanceof ReaderDenied) return { reader: 'missing', readerDetail: err.message, forwarding: [] }
    return { reader: 'unknown', readerDetail: describe(err), forwarding: [] }
  }
  const [rootPart, ...regions] = await Promise.all([
    root(),
    ...args.regions.map((r) => forwarding(clients, r, args.centralBusArn)),
  ])
  return { reader: 'ok', forwarding: regions as ForwardingState[], ...(rootPart as object) }
}
