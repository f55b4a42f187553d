import type { HistoryEntry } from '../model/finding.ts'
import { type Severity, severityRank } from '../model/severity.ts'

/**
 * Grouping of repeated occurrences, so a burst of activity is two alerts, not two hundred. An open
 * detection finding's alert (OPENED, REOPENED, or an occurrence that starts a new group) opens a group;
 * later occurrences of the finding join it while they come within `windowMs` of the previous one, or
 * from the same session (the same temporary credential: one console session), and are not alerted one
 * by one. Once the group has been quiet for `windowMs` (or is `maxGroupMs` old), one follow-up alert
 * tells how many there were, which actions and over what time; after that, the next occurrence alerts
 * again. Pure rules here; the notifier and the tick (shared/app) apply them through a repository.
 */
export interface GroupingParams {
  windowMs: number
  maxGroupMs: number
}

/** What a follow-up alert says about the finding (copied from the alert that opened the group). */
export interface GroupSubject {
  checkId: string
  severity: Severity
  title: string
  accountId: string
  accountName?: string
  ouPath?: string
  region: string
  resourceId: string
  resourceArn: string
}

/**
 * One group: opened by the alerted transition `openerSeq`; holds the occurrences up to `lastSeq`.
 * `open`: taking occurrences; `closing`: its follow-up is being sent (no more join); `sent`: done.
 */
export interface AlertGroup {
  findingId: string
  openerSeq: number
  openerTransitionId: string
  status: 'open' | 'closing' | 'sent'
  subject: GroupSubject
  /** The opener's session (its temporary access key), when it had one. */
  session?: string
  /** Event time of the newest member (the opener's at first): the window is measured from it. */
  lastEventAt: string
  lastSeq: number
  /** Occurrences grouped (the opener not counted): what the follow-up reports. */
  count: number
  /** Grouped occurrences by action (eventSource's service and eventName), at most {@link MAX_ACTIONS} names. */
  actions: Record<string, number>
  /** Event times of the first and last grouped occurrence. */
  firstAt?: string
  lastAt?: string
  /** Distinct source IPs of the grouped occurrences, at most {@link MAX_IPS}. */
  sourceIps: string[]
  /** Wall-clock times: when the group opened, and when it last changed. */
  openedAt: string
  updatedAt: string
  messageId?: string
  sentAt?: string
}

export const MAX_ACTIONS = 25
export const MAX_IPS = 10
export const OTHER_ACTIONS = '(other actions)'
/** A group found `closing` this long after its claim was left by a crashed sender: it is sent again. */
export const STUCK_CLOSING_MS = 2 * 60_000

export interface AlertGroupsRepository {
  /** The finding's newest group. */
  latest(findingId: string): Promise<AlertGroup | undefined>
  /** Stores a new group; false when one with that opener is there already. */
  create(group: AlertGroup): Promise<boolean>
  /**
   * Replaces `before` by `after` if the stored group is still `before` (same status, lastSeq and
   * updatedAt): false when it moved (an occurrence joined, or a sender claimed or sent it).
   */
  replace(before: AlertGroup, after: AlertGroup): Promise<boolean>
  /** Groups not yet sent (open or closing), for the tick. */
  unsent(): Promise<AlertGroup[]>
}

/** When the occurrence happened: the event's time, else when it was recorded. */
export function eventTimeOf(entry: HistoryEntry): string {
  return entry.occurrence?.eventTime ?? entry.at
}

/** The session an occurrence came from: the temporary key of its credentials (ASIA...), if any. */
export function sessionOf(entry: HistoryEntry): string | undefined {
  const key = entry.occurrence?.actor.accessKeyId
  return key?.startsWith('ASIA') ? key : undefined
}

/** The group an alerted transition opens. */
export function openGroup(
  entry: HistoryEntry,
  account: { name?: string; ouPath?: string },
  now: string,
): AlertGroup {
  const session = sessionOf(entry)
  const accountName = account.name ?? entry.accountName
  return {
    findingId: entry.findingId,
    openerSeq: entry.seq,
    openerTransitionId: entry.transitionId,
    status: 'open',
    subject: {
      checkId: entry.checkId,
      severity: entry.severity,
      title: entry.title,
      accountId: entry.accountId,
      ...(accountName ? { accountName } : {}),
      ...(account.ouPath ? { ouPath: account.ouPath } : {}),
      region: entry.occurrence?.awsRegion ?? entry.region,
      resourceId: entry.resourceId,
      resourceArn: entry.resourceArn,
    },
    ...(session ? { session } : {}),
    lastEventAt: eventTimeOf(entry),
    lastSeq: entry.seq,
    count: 0,
    actions: {},
    sourceIps: [],
    openedAt: now,
    updatedAt: now,
  }
}

/** How an entry relates to the finding's newest group. */
export type Placement =
  /** It opened this group: alert it (again, if a crash came between the group and the alert). */
  | 'opener'
  /** It is in a group already (a redelivery): nothing to send. */
  | 'grouped'
  /** It joins this group. */
  | 'join'
  /** It alerts, and opens a new group. */
  | 'alert'

export function placement(
  group: AlertGroup | undefined,
  entry: HistoryEntry,
  params: GroupingParams,
): Placement {
  if (!group) return 'alert'
  if (entry.seq === group.openerSeq) return 'opener'
  if (entry.seq <= group.lastSeq) return 'grouped'
  if (entry.transition !== 'OCCURRED' || !entry.occurrence || group.status !== 'open') return 'alert'
  // An occurrence more serious than the alert the group follows (a trust policy opened to everyone after
  // a first change) is alerted at its own severity, and opens a group of its own.
  if (severityRank(entry.severity) > severityRank(group.subject.severity)) return 'alert'
  const session = sessionOf(entry)
  if (session && session === group.session) return 'join'
  const gap = Date.parse(eventTimeOf(entry)) - Date.parse(group.lastEventAt)
  return Math.abs(gap) <= params.windowMs ? 'join' : 'alert'
}

/** The later of two ISO 8601 times. */
const later = (a: string, b: string) => (Date.parse(a) >= Date.parse(b) ? a : b)

/** The group with one more occurrence. */
export function withOccurrence(group: AlertGroup, entry: HistoryEntry, now: string): AlertGroup {
  const o = entry.occurrence!
  const at = eventTimeOf(entry)
  const service = o.eventSource.replace(/\.amazonaws\.com$/, '')
  const name = `${service}:${o.eventName}`
  const actions = { ...group.actions }
  const key = name in actions || Object.keys(actions).length < MAX_ACTIONS ? name : OTHER_ACTIONS
  actions[key] = (actions[key] ?? 0) + 1
  const ips =
    o.sourceIp && !group.sourceIps.includes(o.sourceIp) && group.sourceIps.length < MAX_IPS
      ? [...group.sourceIps, o.sourceIp]
      : group.sourceIps
  return {
    ...group,
    lastEventAt: later(at, group.lastEventAt),
    lastSeq: entry.seq,
    count: group.count + 1,
    actions,
    firstAt: group.firstAt && group.firstAt < at ? group.firstAt : at,
    lastAt: group.lastAt && group.lastAt > at ? group.lastAt : at,
    sourceIps: ips,
    updatedAt: now,
  }
}

/**
 * Is the group's follow-up due? An open group quiet for the window (or, with grouped occurrences, older
 * than the longest a group lasts); or a group left `closing` by a sender that crashed.
 */
export function isDue(group: AlertGroup, now: Date, params: GroupingParams): boolean {
  const t = now.getTime()
  if (group.status === 'closing') return t - Date.parse(group.updatedAt) >= STUCK_CLOSING_MS
  if (group.status !== 'open') return false
  const quiet = t - Date.parse(group.updatedAt) >= params.windowMs
  // A group nothing joined is closed quietly once the window passed (no follow-up to send).
  if (group.count === 0) return quiet
  return quiet || t - Date.parse(group.openedAt) >= params.maxGroupMs
}

/** The grouping parameters of the configuration's `alerts.grouping`. */
export function groupingParams(grouping: { windowMinutes: number; maxGroupMinutes: number }): GroupingParams {
  return { windowMs: grouping.windowMinutes * 60_000, maxGroupMs: grouping.maxGroupMinutes * 60_000 }
}

/** Alert groups in memory, with the repository's conditional semantics (tests, the model, `npm start`). */
export class MemoryAlertGroups implements AlertGroupsRepository {
  readonly groups = new Map<string, AlertGroup>()
  private key = (g: Pick<AlertGroup, 'findingId' | 'openerSeq'>) => `${g.findingId}#${g.openerSeq}`
  async latest(findingId: string) {
    let best: AlertGroup | undefined
    for (const g of this.groups.values())
      if (g.findingId === findingId && (!best || g.openerSeq > best.openerSeq)) best = g
    return best && structuredClone(best)
  }
  async create(group: AlertGroup) {
    if (this.groups.has(this.key(group))) return false
    this.groups.set(this.key(group), structuredClone(group))
    return true
  }
  async replace(before: AlertGroup, after: AlertGroup) {
    const stored = this.groups.get(this.key(before))
    if (
      !stored ||
      stored.status !== before.status ||
      stored.lastSeq !== before.lastSeq ||
      stored.updatedAt !== before.updatedAt
    )
      return false
    this.groups.set(this.key(before), structuredClone(after))
    return true
  }
  async unsent() {
    return [...this.groups.values()].filter((g) => g.status !== 'sent').map((g) => structuredClone(g))
  }
}
