import { randomUUID } from 'node:crypto'
import { ListOrganizationsFeaturesCommand } from '@aws-sdk/client-iam'
import type { OrganizationsClient } from '@aws-sdk/client-organizations'
import type { STSClient } from '@aws-sdk/client-sts'
import { type AccountClients, AccountSessions } from '../aws/account-sessions.ts'
import { errorCode } from '../aws/clients.ts'
import { HOME_REGION, probeMember } from '../aws/member-probe.ts'
import { configuredDirectory, discoverOrganization } from '../aws/organizations.ts'
import { CHECKS } from '../checks/registry.ts'
import type { IamwatchConfig } from '../config/config.ts'
import { DETECTIONS } from '../detections/registry.ts'
import { mapLimit } from '../engine/limit.ts'
import { applyPlan, evaluate } from '../engine/pipeline.ts'
import { advance, type PlannedTransition } from '../engine/reconcile.ts'
import type { FindingsRepository } from '../engine/repository.ts'
import type { Finding } from '../model/finding.ts'
import {
  DEFAULT_READER_ROLE,
  type Departed,
  type MemberProbe,
  type OrgAccount,
  type OrganizationSource,
  type OrgDirectory,
  organizationAccountArn,
} from '../organization/model.ts'
import type { Log } from './log.ts'

/** What an organization run needs: the central account's clients, how to reach the others, and the store. */
export interface OrganizationDeps {
  centralAccountId: string
  /** The central account's own clients. */
  central: AccountClients
  sts: STSClient
  /** Discovery; absent: the configured account list (`organization.accounts`). */
  organizations?: OrganizationsClient
  store?: FindingsRepository
  config: IamwatchConfig
  region: string
  log: Log
  now?: () => Date
  partition?: string
  /** Built from the deps when absent; tests and the CLI may share one. */
  sessions?: AccountSessions
  /** Who is asking, as the member's CloudTrail shows it (`iamwatch-<function>`). */
  sessionName?: string
  /** The regions whose forwarding rules each member must have (the StackSet's); default the monitored regions. */
  forwardRegions?: readonly string[]
}

export const readerRoleOf = (config: IamwatchConfig) =>
  config.organization?.readerRoleName ?? DEFAULT_READER_ROLE
export const concurrencyOf = (config: IamwatchConfig) => config.organization?.concurrency ?? 20

/** The sessions of a run: one per member account, through its reader role. */
export function sessionsOf(deps: OrganizationDeps): AccountSessions {
  return (
    deps.sessions ??
    new AccountSessions({
      sts: deps.sts,
      roleName: readerRoleOf(deps.config),
      centralAccountId: deps.centralAccountId,
      central: deps.central,
      partition: deps.partition ?? 'aws',
      sessionName: deps.sessionName ?? 'iamwatch',
    })
  )
}

/** Discovery (Organizations), or the configured list: who this deployment watches. */
export async function loadDirectory(
  deps: OrganizationDeps,
  now: Date,
): Promise<{ directory: OrgDirectory; problems: string[] }> {
  const configured = deps.config.organization?.accounts
  if (configured && configured.length > 0)
    return { directory: configuredDirectory(configured, deps.centralAccountId, now), problems: [] }
  if (!deps.organizations) throw new Error('no Organizations client and no configured account list')
  return discoverOrganization(deps.organizations, {
    centralAccountId: deps.centralAccountId,
    now,
    concurrency: Math.min(8, concurrencyOf(deps.config)),
  })
}

/** Centralized root access, as IAM tells the management account or its delegated administrator. */
async function rootAccessFeatures(
  central: AccountClients,
): Promise<{ features?: string[]; problem?: string }> {
  try {
    const out = await central.iam.send(new ListOrganizationsFeaturesCommand({}))
    return { features: [...(out.EnabledFeatures ?? [])] }
  } catch (err) {
    return { problem: `ListOrganizationsFeatures: ${errorCode(err)}` }
  }
}

export interface OrganizationPartResult {
  probes: Map<string, MemberProbe>
  /** Accounts whose scans can run: the central account, and members whose reader role answered. */
  reachable: OrgAccount[]
  counts: Record<string, number>
  status: 'complete' | 'degraded'
}

/**
 * The organization part: every ACTIVE account is probed (`concurrency` at a time), then the organization
 * checks judge each account on its own view, and findings are reconciled in that account (the finding
 * of a member account is that account's). A transient probe failure leaves the account's findings as they are.
 */
export async function runOrganizationPart(
  deps: OrganizationDeps,
  directory: OrgDirectory,
  runId: string,
): Promise<OrganizationPartResult> {
  const now = deps.now?.() ?? new Date()
  const sessions = sessionsOf(deps)
  const regions = deps.forwardRegions?.length
    ? deps.forwardRegions
    : deps.config.regions.length
      ? deps.config.regions
      : [deps.region]
  const partition = deps.partition ?? 'aws'
  const centralBusArn = `arn:${partition}:events:${HOME_REGION}:${deps.centralAccountId}:event-bus/default`
  const features = await rootAccessFeatures(deps.central)
  const active = directory.accounts.filter((a) => a.status === 'ACTIVE')
  const probes = new Map<string, MemberProbe>()
  try {
    await mapLimit(active, concurrencyOf(deps.config), async (a) => {
      probes.set(
        a.id,
        await probeMember(sessions, a.id, {
          centralAccountId: deps.centralAccountId,
          regions,
          centralBusArn,
        }),
      )
    })
  } finally {
    if (!deps.sessions) sessions.destroy()
  }
  const views = new Map<string, OrganizationSource>()
  for (const account of directory.accounts)
    views.set(account.id, {
      ...(directory.organizationId ? { organizationId: directory.organizationId } : {}),
      ...(directory.managementAccountId ? { managementAccountId: directory.managementAccountId } : {}),
      centralAccountId: deps.centralAccountId,
      account,
      accountArn: organizationAccountArn(directory, account.id, partition),
      ...(features.features ? { rootAccessFeatures: features.features } : {}),
      ...(features.problem ? { featuresProblem: features.problem } : {}),
      probe: probes.get(account.id) ?? {
        reader: 'unknown',
        readerDetail: `account ${account.status}`,
        forwarding: [],
      },
    })
  const counts: Record<string, number> = {
    accounts: directory.accounts.length,
    opened: 0,
    resolved: 0,
    reopened: 0,
  }
  let degraded = false
  await mapLimit(directory.accounts, 8, async (account) => {
    const run = await evaluate(
      {
        accountId: account.id,
        accountName: account.name,
        region: deps.region,
        config: deps.config,
        now,
        collect: async (name) =>
          name === 'organization'
            ? ({
                data: views.get(account.id)!,
                complete: true,
                asOf: now,
                problems: [],
                partial: new Map(),
              } as never)
            : ({
                complete: false,
                asOf: now,
                problems: [`${name}: not read by the organization part`],
                partial: new Map(),
              } as never),
        ...(deps.store ? { repository: deps.store } : {}),
        log: deps.log,
      },
      { kind: 'schedule', parts: ['organization'], runId: `${runId}:${account.id}` },
    )
    if (!run) return
    for (const k of ['opened', 'resolved', 'reopened'] as const)
      counts[k] = (counts[k] ?? 0) + (run.counts[k] ?? 0)
    if (run.status === 'degraded') degraded = true
  })
  const reachable = active.filter((a) => {
    const p = probes.get(a.id)
    return p?.reader === 'ok' || p?.reader === 'not-needed'
  })
  counts.reachable = reachable.length
  counts.readerMissing = [...probes.values()].filter((p) => p.reader === 'missing').length
  counts.readerUnknown = [...probes.values()].filter((p) => p.reader === 'unknown').length
  return { probes, reachable, counts, status: degraded || counts.readerUnknown > 0 ? 'degraded' : 'complete' }
}

/** How long an account that left is remembered: each dispatch resolves its open findings again meanwhile. */
export const DEPARTED_DAYS = 30

/**
 * Accounts that left: in the stored directory, not in the new one. Only a complete discovery of the same
 * kind may say so (never a failed AssumeRole, never a partial listing). Those that left in the last 30
 * days stay listed (`departed`), so a scan that was already running when one left, and reopened one of its
 * findings, is undone by the next dispatch; one that joins again is no longer departed.
 */
export function departures(previous: OrgDirectory | undefined, current: OrgDirectory, now: Date): Departed[] {
  const present = new Set(current.accounts.filter((a) => a.status !== 'CLOSED').map((a) => a.id))
  const since = now.getTime() - DEPARTED_DAYS * 86_400_000
  const carried = (previous?.departed ?? []).filter((d) => !present.has(d.id) && Date.parse(d.at) >= since)
  if (!previous || !current.complete || previous.source !== current.source) return carried
  const known = new Set(carried.map((d) => d.id))
  const left = previous.accounts
    .filter((a) => !present.has(a.id) && a.id !== current.centralAccountId && !known.has(a.id))
    .map((a) => ({ id: a.id, name: a.name, at: now.toISOString() }))
  return [...carried, ...left]
}

/** The open findings of accounts that left resolve as `account-gone`, each through its own history item. */
export async function resolveDeparted(
  store: FindingsRepository,
  departed: readonly Departed[],
  asOf: string,
  runId: string,
  now: Date,
  log: Log,
): Promise<number> {
  const ids = [...CHECKS.map((c) => c.id), ...DETECTIONS.map((d) => d.id)]
  const at = now.toISOString()
  let resolved = 0
  for (const { id: accountId } of departed) {
    const open: Finding[] = (await mapLimit(ids, 4, (id) => store.listOpenByCheck(accountId, id))).flat()
    if (open.length === 0) continue
    const plan: PlannedTransition[] = open
      .filter((f) => f.status === 'OPEN')
      .map((f) => {
        const { resolvedAt: _r, resolution: _p, ...rest } = f
        return advance(
          {
            ...rest,
            status: 'RESOLVED',
            resolvedAt: at,
            resolution: 'account-gone',
            asOf,
            lastTransitionAt: at,
          },
          'RESOLVED',
          runId,
          at,
        )
      })
    const counts = await applyPlan(
      store,
      { transitions: plan, unchanged: 0, withheldResolutions: 0, notEvaluated: 0, stale: 0 },
      log,
    )
    resolved += counts.resolved ?? 0
    log.info('account left the organization', { accountId, resolved: counts.resolved ?? 0 })
  }
  return resolved
}

/**
 * An account's OU path that could not be read this time (a throttled ListParents) keeps the one last
 * discovered, so alerts routed by `ouPath` do not lose it for a day.
 */
export function keepKnownPaths(current: OrgDirectory, previous: OrgDirectory | undefined): OrgDirectory {
  if (!previous) return current
  const before = new Map(previous.accounts.map((a) => [a.id, a]))
  return {
    ...current,
    accounts: current.accounts.map((a) => {
      const known = before.get(a.id)
      return a.ouPath === '' && known?.ouPath ? { ...a, ouPath: known.ouPath } : a
    }),
  }
}

export const newDispatchId = (parts: readonly string[]) => `org-${parts.join('+')}-${randomUUID()}`
