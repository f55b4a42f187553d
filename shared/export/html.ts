import { type Framework, type Requirement, ruleIdsOf } from '../compliance/frameworks.ts'
import { getDetection } from '../detections/registry.ts'
import type { VerifyReport } from '../engine/verify.ts'
import type { Evidence, Finding, HistoryEntry, ResolutionReason, Suppression } from '../model/finding.ts'
import { severityRank } from '../model/severity.ts'
import { escapeHtml } from '../notify/escape.ts'

/**
 * The evidence report an auditor files: one self-contained HTML page for one compliance framework, with
 * every requirement of it (automated or manual), its status, its findings and their dates, the time they
 * took to resolve, a chart of open findings per day and the suppressions in force. Pure: the caller reads
 * the findings, their history and the verification; this only renders.
 *
 * Self-contained on purpose: inline CSS and inline SVG, no script, no font, image or style from anywhere
 * (a Content-Security-Policy of `default-src 'none'` says so to the browser too), so the file opens the
 * same offline, in ten years, attached to an audit. Every string that came from AWS or from the table
 * (resource names, evidence, reasons, owners, account ids, even check ids) is escaped with escapeHtml,
 * which also removes bidi overrides and other invisible characters.
 */

/** The outcome of verifying the findings' hash chains, as the report shows it. */
export interface VerificationResult {
  ok: boolean
  /** Findings whose chains were verified. */
  checked: number
  /** History items read, when known. */
  items?: number
  problems: ReadonlyArray<{ findingId?: string; kind: string; detail: string }>
  /** When it was verified (ISO 8601). */
  at: string
}

export interface ReportInput {
  framework: Framework
  /**
   * The findings as they stand at the end of the period (current, or as of a time): those of checks and
   * detections the framework does not name are left out.
   */
  findings: readonly Finding[]
  /** The findings' history items, in any order; those after the period's end are ignored. */
  history: readonly HistoryEntry[]
  /** The account(s) the findings are about (their ids; the names come from the findings that carry one). */
  accounts: readonly string[]
  /** The period reported on (ISO 8601): the chart's days, the resolutions counted. */
  period: { from: string; to: string }
  generatedAt: string
  /** Set when the findings are as they stood at a past time (`export --as-of`), not the current ones. */
  asOf?: string
  /** The verification of the findings' hash chains; absent: not run (the report says so). */
  verification?: VerificationResult
  /** iamwatch's version, for the footer. */
  version?: string
}

export type RequirementStatus = 'pass' | 'fail' | 'manual' | 'not-covered'

/** One period during which a finding was open: from its (re)opening to its resolution, if any. */
export interface Episode {
  findingId: string
  openedAt: string
  resolvedAt?: string
  resolution?: ResolutionReason
}

/** One finding as the report shows it. */
export interface FindingView {
  finding: Finding
  source: 'check' | 'detection'
  /** Times it reopened after a resolution (up to the period's end). */
  reopened: number
  /** Time from its last (re)opening to its resolution, for a resolved finding. */
  timeToResolveMs?: number
  /** Who acknowledged it and why, for a detection finding resolved by acknowledgement. */
  acknowledged?: { by: string; reason: string; at: string }
}

export interface RequirementView {
  requirement: Requirement
  status: RequirementStatus
  open: FindingView[]
  /** Resolved findings whose resolution falls in the period (or has no date), newest first. */
  resolved: FindingView[]
  /** Resolved findings resolved before the period began: counted, not listed. */
  resolvedBefore: number
  /** Resolutions of its findings in the period, and their mean duration. */
  resolutions: number
  mttrMs?: number
}

/** Open findings at the end of one UTC day of the period (at the period's end, for its last day). */
export interface DayPoint {
  date: string
  open: number
  /** Of those, the ones suppressed (accepted risk). */
  suppressed: number
}

export interface ReportModel {
  requirements: RequirementView[]
  summary: {
    pass: number
    fail: number
    manual: number
    notCovered: number
    total: number
    open: number
    openSuppressed: number
    /** Findings resolved (now) whose resolution falls in the period. */
    resolved: number
    /** Resolutions in the period (a finding resolved twice counts twice), and their mean duration. */
    resolutions: number
    mttrMs?: number
  }
  chart: DayPoint[]
  /** Findings with a suppression in force at the period's end. */
  suppressed: FindingView[]
  /** Suppressions lifted during the period (expired or removed). */
  lifted: Array<{ finding: Finding; entry: HistoryEntry; suppression: Suppression }>
}

const DAY = 86_400_000
const ms = (iso: string) => Date.parse(iso)

/** A finding's state after each of its transitions, up to `to`: open or not, suppressed or not. */
interface State {
  t: number
  at: string
  open: boolean
  suppressed: boolean
  resolution?: ResolutionReason
}

/** A finding's states from its history; without history, from its own dates. */
function timelineOf(f: Finding, entries: readonly HistoryEntry[], to: number): State[] {
  const own = entries
    .filter((e) => ms(e.at) <= to)
    .sort((a, b) => a.seq - b.seq || ms(a.at) - ms(b.at))
    .map(
      (e): State => ({
        t: ms(e.at),
        at: e.at,
        open: e.status === 'OPEN',
        suppressed: e.suppression !== undefined,
        ...(e.resolution ? { resolution: e.resolution } : {}),
      }),
    )
  if (own.length > 0) return own
  const states: State[] = [{ t: ms(f.firstOpenedAt), at: f.firstOpenedAt, open: true, suppressed: false }]
  if (f.suppression && ms(f.suppression.at) >= ms(f.firstOpenedAt))
    states.push({ t: ms(f.suppression.at), at: f.suppression.at, open: true, suppressed: true })
  const resolvedAt = f.resolvedAt ?? f.lastTransitionAt
  if (f.status === 'RESOLVED')
    states.push({
      t: ms(resolvedAt),
      at: resolvedAt,
      open: false,
      suppressed: f.suppression !== undefined,
      ...(f.resolution ? { resolution: f.resolution } : {}),
    })
  return states.filter((s) => s.t <= to).sort((a, b) => a.t - b.t)
}

function episodesOf(findingId: string, states: readonly State[]): Episode[] {
  const out: Episode[] = []
  let openedAt: string | undefined
  for (const s of states) {
    if (s.open && openedAt === undefined) openedAt = s.at
    else if (!s.open && openedAt !== undefined) {
      out.push({
        findingId,
        openedAt,
        resolvedAt: s.at,
        ...(s.resolution ? { resolution: s.resolution } : {}),
      })
      openedAt = undefined
    }
  }
  if (openedAt !== undefined) out.push({ findingId, openedAt })
  return out
}

/**
 * The periods each finding was open, from its history up to `to` (from its own dates when it has no
 * history): an OPENED or REOPENED item starts one, a RESOLVED or ACKNOWLEDGED item ends it.
 */
export function episodes(
  findings: readonly Finding[],
  history: readonly HistoryEntry[],
  to: string,
): Episode[] {
  const byFinding = groupHistory(history)
  return findings.flatMap((f) => episodesOf(f.id, timelineOf(f, byFinding.get(f.id) ?? [], ms(to))))
}

function groupHistory(history: readonly HistoryEntry[]): Map<string, HistoryEntry[]> {
  const out = new Map<string, HistoryEntry[]>()
  for (const e of history) out.set(e.findingId, [...(out.get(e.findingId) ?? []), e])
  return out
}

/** The episodes resolved within the period: their count and mean duration (undefined without any). */
export function meanTimeToResolve(
  episodes: readonly Episode[],
  period: { from: string; to: string },
): { resolutions: number; mttrMs?: number } {
  const [from, to] = [ms(period.from), ms(period.to)]
  const durations = episodes.flatMap((e) =>
    e.resolvedAt !== undefined && ms(e.resolvedAt) >= from && ms(e.resolvedAt) <= to
      ? [Math.max(0, ms(e.resolvedAt) - ms(e.openedAt))]
      : [],
  )
  if (durations.length === 0) return { resolutions: 0 }
  return { resolutions: durations.length, mttrMs: durations.reduce((a, b) => a + b, 0) / durations.length }
}

const utcDay = (t: number) => Math.floor(t / DAY) * DAY

/**
 * Open findings at the end of each UTC day of the period (its last day: at the period's end), and how
 * many of them were suppressed: from each finding's history, as it stood then.
 */
export function openPerDay(
  findings: readonly Finding[],
  history: readonly HistoryEntry[],
  period: { from: string; to: string },
): DayPoint[] {
  const [from, to] = [ms(period.from), ms(period.to)]
  const ends: number[] = []
  for (let day = utcDay(from); day <= to; day += DAY) ends.push(Math.min(day + DAY - 1, to))
  const points = ends.map((end) => ({
    date: new Date(end).toISOString().slice(0, 10),
    open: 0,
    suppressed: 0,
  }))
  const byFinding = groupHistory(history)
  for (const f of findings) {
    const states = timelineOf(f, byFinding.get(f.id) ?? [], to)
    let i = -1
    ends.forEach((end, d) => {
      while (i + 1 < states.length && states[i + 1]!.t <= end) i++
      const s = states[i]
      if (s?.open) {
        points[d]!.open++
        if (s.suppressed) points[d]!.suppressed++
      }
    })
  }
  return points
}

/** A requirement's status: its checks' findings decide; without checks, it is for the auditor, or uncovered. */
export function requirementStatus(requirement: Requirement, openFindings: number): RequirementStatus {
  if (requirement.checks.length > 0) return openFindings > 0 ? 'fail' : 'pass'
  return requirement.manual ? 'manual' : 'not-covered'
}

function bySeverity(a: FindingView, b: FindingView): number {
  return (
    severityRank(b.finding.severity) - severityRank(a.finding.severity) ||
    a.finding.checkId.localeCompare(b.finding.checkId) ||
    a.finding.resourceId.localeCompare(b.finding.resourceId)
  )
}

const resolvedTime = (f: Finding) => f.resolvedAt ?? f.lastTransitionAt

/** What the report says, before it is HTML: every requirement's status and findings, the summary, the chart. */
export function buildReport(input: ReportInput): ReportModel {
  const { framework, period } = input
  const [from, to] = [ms(period.from), ms(period.to)]
  if (Number.isNaN(from) || Number.isNaN(to)) throw new Error(`not a period: ${period.from} to ${period.to}`)
  if (from > to) throw new Error(`the period ends (${period.to}) before it starts (${period.from})`)
  const rules = ruleIdsOf(framework)
  const findings = input.findings.filter((f) => rules.has(f.checkId))
  const ids = new Set(findings.map((f) => f.id))
  const history = input.history.filter((e) => ids.has(e.findingId) && ms(e.at) <= to)
  const byFinding = groupHistory(history)

  const episodesById = new Map<string, Episode[]>()
  const views = new Map<string, FindingView>()
  for (const f of findings) {
    const eps = episodesOf(f.id, timelineOf(f, byFinding.get(f.id) ?? [], to))
    episodesById.set(f.id, eps)
    const last = eps.at(-1)
    const ackEntry = (byFinding.get(f.id) ?? [])
      .filter((e) => e.transition === 'ACKNOWLEDGED')
      .sort((a, b) => a.seq - b.seq)
      .at(-1)
    const acknowledged =
      f.acknowledged ??
      (ackEntry && f.resolution === 'acknowledged'
        ? { by: ackEntry.actor ?? '', reason: ackEntry.reason ?? '', at: ackEntry.at }
        : undefined)
    views.set(f.id, {
      finding: f,
      source: getDetection(f.checkId) ? 'detection' : 'check',
      reopened: Math.max(0, eps.length - 1),
      ...(f.status === 'RESOLVED' && last?.resolvedAt !== undefined
        ? { timeToResolveMs: Math.max(0, ms(last.resolvedAt) - ms(last.openedAt)) }
        : {}),
      ...(f.status === 'RESOLVED' && acknowledged ? { acknowledged } : {}),
    })
  }

  const inPeriod = (f: Finding) => {
    const t = ms(resolvedTime(f))
    return Number.isNaN(t) || t >= from
  }
  const requirements = framework.requirements.map((requirement): RequirementView => {
    const mine = findings.filter((f) => requirement.checks.includes(f.checkId)).map((f) => views.get(f.id)!)
    const open = mine.filter((v) => v.finding.status === 'OPEN').sort(bySeverity)
    const resolved = mine.filter((v) => v.finding.status === 'RESOLVED')
    const listed = resolved
      .filter((v) => inPeriod(v.finding))
      .sort((a, b) => resolvedTime(b.finding).localeCompare(resolvedTime(a.finding)) || bySeverity(a, b))
    const mttr = meanTimeToResolve(
      mine.flatMap((v) => episodesById.get(v.finding.id)!),
      period,
    )
    return {
      requirement,
      status: requirementStatus(requirement, open.length),
      open,
      resolved: listed,
      resolvedBefore: resolved.length - listed.length,
      ...mttr,
    }
  })

  const count = (s: RequirementStatus) => requirements.filter((r) => r.status === s).length
  const open = findings.filter((f) => f.status === 'OPEN')
  const all = [...views.values()]
  const lifted = history
    .filter((e) => e.transition === 'UNSUPPRESSED' && e.lifted !== undefined && ms(e.at) >= from)
    .sort((a, b) => ms(a.at) - ms(b.at))
    .map((entry) => ({
      finding: findings.find((f) => f.id === entry.findingId)!,
      entry,
      suppression: entry.lifted!,
    }))
  return {
    requirements,
    summary: {
      pass: count('pass'),
      fail: count('fail'),
      manual: count('manual'),
      notCovered: count('not-covered'),
      total: requirements.length,
      open: open.length,
      openSuppressed: open.filter((f) => f.suppression !== undefined).length,
      resolved: findings.filter((f) => f.status === 'RESOLVED' && inPeriod(f)).length,
      ...meanTimeToResolve([...episodesById.values()].flat(), period),
    },
    chart: openPerDay(findings, history, period),
    suppressed: all.filter((v) => v.finding.suppression !== undefined).sort(bySeverity),
    lifted,
  }
}

/** A verification report of `shared/engine/verify.ts` as the report shows it. */
export function verificationFrom(report: VerifyReport, at: string): VerificationResult {
  return {
    ok: report.ok,
    checked: report.findings,
    items: report.items,
    problems: report.problems.map((p) => ({
      ...(p.findingId !== undefined ? { findingId: p.findingId } : {}),
      kind: p.kind,
      detail: p.message,
    })),
    at,
  }
}

// ---- rendering ----------------------------------------------------------------------------------------

/** A duration people read: `45 min`, `5 h 20 min`, `3 d 4 h`. */
export function formatDuration(durationMs: number): string {
  const minutes = Math.round(durationMs / 60_000)
  if (minutes < 60) return `${minutes} min`
  const hours = Math.floor(minutes / 60)
  if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`
  const days = Math.floor(hours / 24)
  return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`
}

/** An ISO time to the minute, in UTC: `2026-11-23 10:04Z` (escaped: the value may come from the table). */
function when(iso: string | undefined): string {
  if (!iso) return '—'
  const t = ms(iso)
  if (Number.isNaN(t)) return escapeHtml(iso)
  const s = new Date(t).toISOString()
  return `${s.slice(0, 10)} ${s.slice(11, 16)}Z`
}

const e = escapeHtml

/** Text with `code` spans (the frameworks' manual procedures): escaped first, then the spans marked up. */
function prose(text: string): string {
  return e(text).replace(/`([^`]+)`/g, '<code>$1</code>')
}

/** An anchor id for a requirement: `req-1-3`, `req-IAM-4`. */
export function anchor(requirementId: string): string {
  return `req-${requirementId.replace(/[^A-Za-z0-9_-]/g, '-')}`
}

const STATUS_LABEL: Record<RequirementStatus, string> = {
  pass: 'Pass',
  fail: 'Fail',
  manual: 'Manual',
  'not-covered': 'Not covered',
}

const RESOLUTION_LABEL: Record<ResolutionReason, string> = {
  passed: 'check passed',
  'credential-gone': 'credential removed',
  'resource-gone': 'resource removed',
  'account-gone': 'account left the organization',
  acknowledged: 'acknowledged',
}

const MAX_VALUE = 240
const MAX_PROBLEMS = 50

function evidenceText(evidence: Evidence): string {
  return Object.entries(evidence ?? {})
    .map(([k, v]) => {
      const text = Array.isArray(v) ? v.join(', ') : String(v)
      return `${k}: ${text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}…` : text}`
    })
    .join(' · ')
}

function verificationBlock(v: VerificationResult | undefined): string {
  if (!v)
    return `<div class="verify none" id="verification"><strong>Hash chains: verification not run.</strong> This report does not attest that the findings' history is intact: run <code>iamwatch verify</code>.</div>`
  const items = v.items !== undefined ? `, ${v.items} history item${v.items === 1 ? '' : 's'}` : ''
  if (v.ok)
    return `<div class="verify ok" id="verification"><strong>✓ Hash chains verified:</strong> ${v.checked} finding${v.checked === 1 ? '' : 's'}${items}, every chain intact and ending at its finding's head (verified ${when(v.at)}).</div>`
  const shown = v.problems.slice(0, MAX_PROBLEMS)
  const more = v.problems.length - shown.length
  return `<div class="verify failed" id="verification"><strong>✗ Hash chain verification FAILED:</strong> ${v.problems.length} problem${v.problems.length === 1 ? '' : 's'} in ${v.checked} finding${v.checked === 1 ? '' : 's'} checked${items} (verified ${when(v.at)}). The history below may have been altered.
<ul>${shown.map((p) => `<li><code>${e(p.findingId ?? '-')}</code> ${e(p.kind)}: ${e(p.detail)}</li>`).join('')}${more > 0 ? `<li>… and ${more} more (<code>iamwatch verify</code> lists them all)</li>` : ''}</ul></div>`
}

function card(label: string, value: string, cls: string, note = ''): string {
  return `<div class="card ${cls}"><div class="value">${value}</div><div class="label">${label}</div>${note ? `<div class="note">${note}</div>` : ''}</div>`
}

function chartSvg(points: readonly DayPoint[]): string {
  const [W, H, left, right, top, bottom] = [960, 220, 44, 12, 12, 36]
  const plotW = W - left - right
  const plotH = H - top - bottom
  const peak = Math.max(0, ...points.map((p) => p.open))
  const step = peak <= 5 ? 1 : Math.ceil(peak / 4 / 5) * 5
  const yMax = Math.max(1, Math.ceil(peak / step) * step)
  const y = (v: number) => top + plotH - (v / yMax) * plotH
  const slot = plotW / Math.max(1, points.length)
  const barW = Math.max(0.6, slot * 0.8)
  const ticks: string[] = []
  for (let v = 0; v <= yMax; v += step)
    ticks.push(
      `<line x1="${left}" x2="${W - right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/><text x="${left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${v}</text>`,
    )
  const bars = points
    .map((p, i) => {
      const x = (left + i * slot + (slot - barW) / 2).toFixed(2)
      const shown = p.open - p.suppressed
      const parts: string[] = []
      if (p.suppressed > 0)
        parts.push(
          `<rect class="bar-sup" x="${x}" y="${y(p.suppressed).toFixed(2)}" width="${barW.toFixed(2)}" height="${(y(0) - y(p.suppressed)).toFixed(2)}"/>`,
        )
      if (shown > 0)
        parts.push(
          `<rect class="bar-open" x="${x}" y="${y(p.open).toFixed(2)}" width="${barW.toFixed(2)}" height="${(y(p.suppressed) - y(p.open)).toFixed(2)}"/>`,
        )
      return `<g data-date="${p.date}" data-open="${p.open}" data-suppressed="${p.suppressed}"><title>${p.date}: ${p.open} open${p.suppressed ? `, ${p.suppressed} suppressed` : ''}</title>${parts.join('')}</g>`
    })
    .join('')
  const labelAt = [...new Set([0, Math.floor((points.length - 1) / 2), points.length - 1])].filter(
    (i) => i >= 0 && points[i],
  )
  const labels = labelAt
    .map((i) => {
      const x = left + i * slot + slot / 2
      const anchorAt =
        labelAt.length > 1 && i === 0 ? 'start' : i === points.length - 1 && i > 0 ? 'end' : 'middle'
      return `<text x="${(anchorAt === 'start' ? left : anchorAt === 'end' ? W - right : x).toFixed(1)}" y="${H - bottom + 18}" text-anchor="${anchorAt}">${points[i]!.date}</text>`
    })
    .join('')
  const last = points.at(-1)
  const peakPoint = points.find((p) => p.open === peak)
  const summary = last
    ? `Open findings per day from ${points[0]!.date} to ${last.date}: at most ${peak}${peakPoint ? ` (${peakPoint.date})` : ''}, ${last.open} at the end.`
    : 'No days in the period.'
  return `<svg class="chart" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${summary}"><title>${summary}</title>${ticks.join('')}<line x1="${left}" x2="${W - right}" y1="${y(0)}" y2="${y(0)}" class="axis"/>${bars}${labels}</svg>
<p class="chart-note">${summary} <span class="key"><span class="swatch open"></span>open</span> <span class="key"><span class="swatch sup"></span>of which suppressed</span></p>`
}

/** An account as the report names it: the id, and its name beside it when the findings carry one. */
export function accountHtml(accountId: string, name?: string): string {
  return name && name !== accountId ? `${e(accountId)} (${e(name)})` : e(accountId)
}

/** Each account's name, from the findings that carry one (the latest transition's name wins). */
function accountNames(findings: readonly Finding[]): Map<string, string> {
  const names = new Map<string, { name: string; at: string }>()
  for (const f of findings) {
    const known = names.get(f.accountId)
    if (f.accountName && (!known || f.lastTransitionAt > known.at))
      names.set(f.accountId, { name: f.accountName, at: f.lastTransitionAt })
  }
  return new Map([...names].map(([id, n]) => [id, n.name]))
}

/** How finding rows name their account: not at all for a report of one account. */
type AccountLabels = Map<string, string> | undefined

function findingRow(v: FindingView, requirementOpen: boolean, accounts: AccountLabels): string {
  const f = v.finding
  const account = accounts
    ? ` · account ${accountHtml(f.accountId, accounts.get(f.accountId) ?? f.accountName)}`
    : ''
  const resource = `${e(f.resourceId)}${f.credentialId ? ` <span class="cred">(${e(f.credentialId)})</span>` : ''}${account}`
  const status =
    f.status === 'OPEN' ? '<span class="st open">Open</span>' : '<span class="st resolved">Resolved</span>'
  const suppressed = f.suppression
    ? `<div class="sup-tag">Suppressed until ${when(f.suppression.until)} · ${e(f.suppression.owner)}</div>`
    : ''
  const reopened = v.reopened > 0 ? `<div class="muted">reopened ${v.reopened}×</div>` : ''
  const evidence = evidenceText(f.evidence)
  const resolution =
    f.status === 'RESOLVED' ? (f.resolution ? e(RESOLUTION_LABEL[f.resolution] ?? f.resolution) : '—') : ''
  return `<tr class="${requirementOpen ? 'row-open' : 'row-resolved'}">
<td><span class="sev sev-${e(f.severity)}">${e(f.severity)}</span></td>
<td>${status}${suppressed}</td>
<td><div class="title">${e(f.title)}</div><div class="muted"><code>${e(f.checkId)}</code> ${v.source} · ${resource}</div>${evidence ? `<div class="evidence">${e(evidence)}</div>` : ''}</td>
<td class="date">${when(f.firstOpenedAt)}${reopened}</td>
<td class="date">${f.status === 'RESOLVED' ? when(f.resolvedAt ?? f.lastTransitionAt) : '—'}</td>
<td>${resolution}${v.acknowledged ? `<div class="muted">by ${e(v.acknowledged.by)}${v.acknowledged.reason ? `: ${e(v.acknowledged.reason)}` : ''}</div>` : ''}</td>
<td class="num">${v.timeToResolveMs !== undefined ? formatDuration(v.timeToResolveMs) : '—'}</td>
</tr>`
}

function requirementBlock(r: RequirementView, accounts: AccountLabels): string {
  const q = r.requirement
  const sources = q.checks
    .map((c) => `<code>${e(c)}</code> ${getDetection(c) ? 'detection' : 'check'}`)
    .join(', ')
  const facts = [
    q.checks.length ? `Evidence from ${sources}` : 'No check or detection covers it',
    ...(q.checks.length
      ? [
          `${r.open.length} open`,
          `${r.resolved.length} resolved`,
          `mean time to resolve ${r.mttrMs !== undefined ? formatDuration(r.mttrMs) : '—'}`,
        ]
      : []),
  ]
  const suppressed = r.open.filter((v) => v.finding.suppression).length
  const manual = q.manual
    ? `<p class="manual-note"><strong>${q.checks.length ? 'Also check by hand' : 'The auditor checks'}:</strong> ${prose(q.manual)}</p>`
    : ''
  const rows = [...r.open, ...r.resolved]
  const table = rows.length
    ? `<table class="findings"><colgroup><col class="c-sev"><col class="c-status"><col><col class="c-date"><col class="c-date"><col class="c-res"><col class="c-ttr"></colgroup><thead><tr><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Finding</th><th scope="col">First seen</th><th scope="col">Resolved</th><th scope="col">Resolution</th><th scope="col">Time to resolve</th></tr></thead><tbody>${rows.map((v) => findingRow(v, v.finding.status === 'OPEN', accounts)).join('')}</tbody></table>`
    : q.checks.length
      ? '<p class="none">No open finding, and none resolved in the period.</p>'
      : ''
  const before = r.resolvedBefore
    ? `<p class="muted">${r.resolvedBefore} finding${r.resolvedBefore === 1 ? '' : 's'} resolved before the period, not listed.</p>`
    : ''
  return `<article class="req ${r.status}" id="${anchor(q.id)}">
<div class="req-head"><span class="rid">${e(q.id)}</span><span class="rtitle">${e(q.title)}</span><span class="badge ${r.status}">${STATUS_LABEL[r.status]}${suppressed ? ` <small>(${suppressed} suppressed)</small>` : ''}</span></div>
<p class="facts">${facts.join(' · ')}</p>${manual}${table}${before}
</article>`
}

function suppressionsBlock(m: ReportModel, framework: Framework, end: number): string {
  const reqs = (checkId: string) =>
    framework.requirements
      .filter((r) => r.checks.includes(checkId))
      .map((r) => e(r.id))
      .join(', ')
  const current = m.suppressed.length
    ? `<table class="sup"><colgroup><col class="c-req"><col><col class="c-owner"><col class="c-reason"><col class="c-date"><col class="c-by"></colgroup><thead><tr><th scope="col">Requirement</th><th scope="col">Finding</th><th scope="col">Owner</th><th scope="col">Reason</th><th scope="col">Expires</th><th scope="col">Suppressed by</th></tr></thead><tbody>${m.suppressed
        .map((v) => {
          const f = v.finding
          const s = f.suppression!
          const expired = ms(s.until) <= end ? ' <span class="expired">expired</span>' : ''
          return `<tr><td>${reqs(f.checkId)}</td><td><div class="title">${e(f.title)}</div><div class="muted"><code>${e(f.checkId)}</code> · ${e(f.resourceId)} · ${f.status === 'OPEN' ? 'open' : 'resolved'}</div></td><td class="owner">${e(s.owner)}</td><td>${e(s.reason)}</td><td class="date">${when(s.until)}${expired}</td><td><div>${e(s.by)}</div><div class="muted">${when(s.at)}${s.rule ? ` · rule ${e(s.rule)}` : ''}</div></td></tr>`
        })
        .join('')}</tbody></table>`
    : '<p class="none">No finding of this framework is suppressed.</p>'
  const lifted = m.lifted.length
    ? `<h3>Lifted during the period</h3><table class="sup"><colgroup><col><col class="c-owner"><col class="c-reason"><col class="c-date"><col class="c-by"></colgroup><thead><tr><th scope="col">Finding</th><th scope="col">Owner</th><th scope="col">Reason</th><th scope="col">Was to expire</th><th scope="col">Lifted</th></tr></thead><tbody>${m.lifted
        .map(
          (l) =>
            `<tr><td><div class="title">${e(l.finding.title)}</div><div class="muted"><code>${e(l.finding.checkId)}</code> · ${e(l.finding.resourceId)}</div></td><td class="owner">${e(l.suppression.owner)}</td><td>${e(l.suppression.reason)}</td><td class="date">${when(l.suppression.until)}</td><td><div class="date">${when(l.entry.at)}</div><div class="muted">${e(l.entry.actor ?? '')}${l.entry.reason ? ` · ${e(l.entry.reason)}` : ''}</div></td></tr>`,
        )
        .join('')}</tbody></table>`
    : ''
  return current + lifted
}

const CSS = `
:root{--pass:#1a7f37;--fail:#cf222e;--manual:#8250df;--nc:#6e7781;--sup:#bf8700;--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg:#f6f8fa}
*{box-sizing:border-box}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans","DejaVu Sans",Arial,sans-serif;color:var(--ink);background:#fff}
main{max-width:1080px;margin:0 auto;padding:28px 32px 40px}
h1{font-size:26px;margin:2px 0 12px}
h2{font-size:19px;margin:32px 0 10px;padding-bottom:4px;border-bottom:2px solid var(--ink)}
h3{font-size:15px;margin:22px 0 8px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
code{font:12px/1.3 ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace;background:var(--bg);padding:0 3px;border-radius:3px}
.kicker{margin:0;color:var(--muted);font-size:13px;letter-spacing:.06em;text-transform:uppercase}
.meta{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:6px 24px;margin:0 0 14px}
.meta div{border-left:3px solid var(--line);padding-left:8px}
.meta dt{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.meta dd{margin:0;font-weight:600;overflow-wrap:anywhere}
.verify{padding:10px 14px;border-radius:6px;border:1px solid;font-size:15px}
.verify.ok{background:#dafbe1;border-color:var(--pass);color:#0f5323}
.verify.failed{background:#ffebe9;border-color:var(--fail);color:#82071e}
.verify.none{background:#fff8c5;border-color:var(--sup);color:#6b4a00}
.verify ul{margin:6px 0 0;padding-left:20px;font-size:13px}
.cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(120px,1fr));gap:10px}
.card{border:1px solid var(--line);border-top:4px solid var(--nc);border-radius:6px;padding:8px 12px;background:#fff}
.card .value{font-size:26px;font-weight:700}
.card .label{font-size:12px;color:var(--muted);text-transform:uppercase;letter-spacing:.04em}
.card .note{font-size:12px;color:var(--muted)}
.card.pass{border-top-color:var(--pass)}.card.fail{border-top-color:var(--fail)}.card.manual{border-top-color:var(--manual)}
.card.open{border-top-color:#bc4c00}.card.resolved{border-top-color:#0969da}.card.mttr{border-top-color:#0969da}
.tiles{display:flex;flex-wrap:wrap;gap:4px;margin:12px 0 0}
.tiles a{display:inline-block;min-width:46px;padding:3px 6px;border-radius:4px;color:#fff;text-decoration:none;font-weight:600;font-size:12px;text-align:center}
.tiles a.pass{background:var(--pass)}.tiles a.fail{background:var(--fail)}.tiles a.manual{background:var(--manual)}.tiles a.not-covered{background:var(--nc)}
.chart{display:block;max-width:100%;height:auto;border:1px solid var(--line);border-radius:6px;background:#fff}
.chart text{font-size:11px;fill:var(--muted)}
.chart .grid{stroke:#eaeef2;stroke-width:1}.chart .axis{stroke:var(--muted);stroke-width:1}
.chart .bar-open{fill:#cf222e}.chart .bar-sup{fill:#d4a72c}
.chart-note{font-size:12px;color:var(--muted)}
.key{white-space:nowrap;margin-left:8px}.swatch{display:inline-block;width:10px;height:10px;border-radius:2px;vertical-align:-1px;margin-right:3px}
.swatch.open{background:#cf222e}.swatch.sup{background:#d4a72c}
.req{border:1px solid var(--line);border-left:5px solid var(--nc);border-radius:6px;padding:10px 14px;margin:0 0 10px;break-inside:avoid-page}
.req.pass{border-left-color:var(--pass)}.req.fail{border-left-color:var(--fail)}.req.manual{border-left-color:var(--manual)}
.req-head{display:flex;gap:10px;align-items:baseline}
.rid{font-weight:700;font-size:15px;min-width:48px}
.rtitle{flex:1;font-weight:600}
.badge{font-size:12px;font-weight:700;padding:2px 8px;border-radius:10px;color:#fff;background:var(--nc);white-space:nowrap}
.badge.pass{background:var(--pass)}.badge.fail{background:var(--fail)}.badge.manual{background:var(--manual)}
.facts{margin:4px 0;color:var(--muted);font-size:13px}
.manual-note{margin:6px 0;padding:6px 10px;background:#fbefff;border-radius:4px;font-size:13px}
.none{margin:4px 0;color:var(--muted);font-size:13px;font-style:italic}
.muted{color:var(--muted);font-size:12px}
table{width:100%;border-collapse:collapse;margin:6px 0;font-size:13px;table-layout:fixed}
col.c-sev{width:78px}col.c-status{width:116px}col.c-date{width:136px}col.c-res{width:120px}col.c-ttr{width:80px}
col.c-req{width:92px}col.c-owner{width:170px}col.c-reason{width:210px}col.c-by{width:190px}
th{text-align:left;font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-bottom:1px solid var(--line);padding:4px 6px}
td{border-bottom:1px solid #eaeef2;padding:5px 6px;vertical-align:top;overflow-wrap:break-word}
td.date,td.num{white-space:nowrap}
.title{font-weight:600}
.evidence{font-size:12px;color:var(--muted);margin-top:2px}
.cred{color:var(--muted)}
.sev{display:inline-block;white-space:nowrap;font-size:11px;font-weight:700;text-transform:uppercase;padding:1px 6px;border-radius:3px;background:#eaeef2}
.sev-critical{background:#82071e;color:#fff}.sev-high{background:#cf222e;color:#fff}.sev-medium{background:#fb8f44;color:#1f2328}.sev-low{background:#ddf4ff}
.st{font-weight:700;font-size:12px;white-space:nowrap}.st.open{color:var(--fail)}.st.resolved{color:var(--pass)}
.sup-tag{margin-top:3px;font-size:11px;font-weight:600;color:#6b4a00;background:#fff8c5;border-radius:3px;padding:1px 4px}
.expired{color:var(--fail);font-weight:700}
.owner{font-weight:600}
footer{margin-top:36px;padding-top:10px;border-top:1px solid var(--line);font-size:12px;color:var(--muted)}
footer li{margin:2px 0}
@page{size:A4;margin:14mm 12mm}
@media print{
  body{font-size:10pt}
  main{max-width:none;padding:0}
  h2{break-after:avoid-page}
  .req,.card,.verify,tr{break-inside:avoid}
  thead{display:table-header-group}
  .tiles a{color:#fff!important}
  a{text-decoration:none}
}
`

/** The report: one self-contained HTML page (no script, no network), every found string escaped. */
export function renderReport(input: ReportInput): string {
  const m = buildReport(input)
  const framework = input.framework
  const s = m.summary
  const names = accountNames(input.findings)
  const accounts = input.accounts.length
    ? input.accounts.map((a) => accountHtml(a, names.get(a))).join(', ')
    : '—'
  // A report of several accounts (an organization's) names each finding's account.
  const labels: AccountLabels =
    new Set([...input.accounts, ...input.findings.map((f) => f.accountId)]).size > 1 ? names : undefined
  const block = (r: RequirementView) => requirementBlock(r, labels)
  const sections = framework.sections.map((section) => {
    const reqs = m.requirements.filter((r) => r.requirement.section === section)
    return `<section class="framework-section"><h3>${e(section)}</h3>${reqs.map(block).join('\n')}</section>`
  })
  // Requirements of a section the framework does not list (none should exist): shown all the same.
  const orphans = m.requirements.filter((r) => !framework.sections.includes(r.requirement.section))
  if (orphans.length)
    sections.push(
      `<section class="framework-section"><h3>Other</h3>${orphans.map(block).join('\n')}</section>`,
    )
  const tiles = m.requirements
    .map(
      (r) =>
        `<a class="${r.status}" href="#${anchor(r.requirement.id)}" title="${e(r.requirement.title)}: ${STATUS_LABEL[r.status]}">${e(r.requirement.id)}</a>`,
    )
    .join('')
  const automated = framework.requirements.filter((r) => r.checks.length > 0).length
  const title = `IAM compliance evidence: ${framework.name}`
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light">
<meta name="generator" content="iamwatch${input.version ? ` ${e(input.version)}` : ''}">
<title>${e(title)}</title>
<style>${CSS}</style>
</head>
<body>
<main>
<header>
<p class="kicker">iamwatch · IAM compliance evidence report</p>
<h1>${e(framework.name)}</h1>
<dl class="meta">
<div><dt>Account${input.accounts.length === 1 ? '' : 's'}</dt><dd>${accounts}</dd></div>
<div><dt>Framework</dt><dd>${e(framework.name)} (<code>${e(framework.id)}</code>)</dd></div>
<div><dt>Period</dt><dd>${when(input.period.from)} – ${when(input.period.to)}</dd></div>
<div><dt>Findings</dt><dd>${input.asOf ? `as they stood at ${when(input.asOf)} (from their history)` : 'as they stand now'}</dd></div>
<div><dt>Generated</dt><dd>${when(input.generatedAt)}</dd></div>
</dl>
${verificationBlock(input.verification)}
</header>

<section id="summary">
<h2>Summary</h2>
<div class="cards">
${card('Controls passing', String(s.pass), 'pass')}
${card('Controls failing', String(s.fail), 'fail')}
${card('Manual controls', String(s.manual), 'manual', 'for the auditor to check')}
${card('Not covered', String(s.notCovered), 'nc')}
${card('Open findings', String(s.open), 'open', s.openSuppressed ? `${s.openSuppressed} suppressed` : '')}
${card('Resolved findings', String(s.resolved), 'resolved', 'in the period')}
${card('Mean time to resolve', s.mttrMs !== undefined ? formatDuration(s.mttrMs) : '—', 'mttr', `${s.resolutions} resolution${s.resolutions === 1 ? '' : 's'} in the period`)}
</div>
<p class="muted">${s.total} requirements: ${automated} with evidence from iamwatch's checks and detections, ${s.total - automated} without.</p>
<nav class="tiles" aria-label="Requirements by status">${tiles}</nav>
</section>

<section id="chart">
<h2>Open findings over time</h2>
${chartSvg(m.chart)}
</section>

<section id="requirements">
<h2>Requirements</h2>
${sections.join('\n')}
</section>

<section id="suppressions">
<h2>Suppressions</h2>
${suppressionsBlock(m, framework, ms(input.period.to))}
</section>

<footer>
<ul>
<li><strong>Pass</strong>: no open finding of the requirement's checks and detections at the end of the period (iamwatch records failures: a check that never ran leaves none either). <strong>Fail</strong>: at least one open finding, suppressed or not. <strong>Manual</strong>: no automation covers it; the auditor checks what it says. <strong>Not covered</strong>: neither.</li>
<li>Mean time to resolve: from a finding's opening (or reopening) to its resolution, over the resolutions in the period. The chart counts the findings open at the end of each UTC day, from their history.</li>
<li>Dates are UTC. Evidence values are shortened to ${MAX_VALUE} characters: <code>iamwatch export --format json</code> has them whole.</li>
<li>Generated by iamwatch${input.version ? ` ${e(input.version)}` : ''} at ${when(input.generatedAt)}.</li>
</ul>
</footer>
</main>
</body>
</html>
`
}
