import type { CheckSources, CredentialInventory, PasswordPolicy } from '../../shared/checks/sources.ts'
import type { AnyCheck } from '../../shared/checks/types.ts'
import { paramsFor, parseConfig } from '../../shared/config/config.ts'
import type { Outcome } from '../../shared/model/finding.ts'
import type { AccessKeySlot, CredentialUser, ReportColumn } from '../../shared/normalize/credential-report.ts'

export const NOW = new Date('2026-11-23T12:00:00Z')
export const ACCOUNT = '123456789012'
export const daysAgo = (d: number) => new Date(NOW.getTime() - d * 86_400_000)

export function key(
  slot: 1 | 2,
  spec: Partial<AccessKeySlot> & { ageDays?: number; usedDaysAgo?: number } = {},
): AccessKeySlot {
  const { ageDays = 10, usedDaysAgo, ...rest } = spec
  return {
    slot,
    active: true,
    lastRotatedAt: daysAgo(ageDays),
    accessKeyId: `AKIAKEY${slot}${'0'.repeat(12)}`,
    ...(usedDaysAgo !== undefined ? { lastUsedAt: daysAgo(usedDaysAgo) } : {}),
    ...rest,
  }
}

export function user(name: string, spec: Partial<CredentialUser> = {}): CredentialUser {
  return {
    name,
    arn: `arn:aws:iam::${ACCOUNT}:user/${name}`,
    isRoot: false,
    createdAt: daysAgo(400),
    passwordEnabled: false,
    passwordUse: { kind: 'never' },
    mfaActive: false,
    accessKeys: [],
    certificates: [],
    ...spec,
  }
}

export function root(spec: Partial<CredentialUser> = {}): CredentialUser {
  return user('<root_account>', {
    arn: `arn:aws:iam::${ACCOUNT}:root`,
    isRoot: true,
    passwordEnabled: undefined,
    passwordUse: { kind: 'unknown' },
    mfaActive: true,
    ...spec,
  })
}

export function inventory(spec: Partial<CredentialInventory> = {}): CredentialInventory {
  return { reportGeneratedAt: NOW, root: root(), users: [], rootMfaKind: 'not-virtual', ...spec }
}

export function policy(p: PasswordPolicy | null): CheckSources['passwordPolicy'] {
  return { policy: p }
}

/**
 * Runs one check as the engine would, with its default params overridden by `params`. A check that
 * reads one source is given that source's data; one that reads several, an object of them by name.
 */
export function run<S extends keyof CheckSources>(
  check: AnyCheck,
  input: CheckSources[S] | Partial<CheckSources>,
  params: Record<string, number> = {},
  now = NOW,
): Outcome[] {
  const config = parseConfig({ checks: Object.keys(params).length ? { [check.id]: { params } } : {} })
  const sources = check.reads.length === 1 ? { [check.reads[0]!]: input } : input
  return (check.evaluate as (i: unknown, c: unknown) => Outcome[]).call(check, sources, {
    now,
    accountId: ACCOUNT,
    params: paramsFor(check, config),
  })
}

export const failures = (outcomes: Outcome[]) => outcomes.filter((o) => o.status === 'fail')
export const failingIds = (outcomes: Outcome[]) =>
  failures(outcomes).map((o) => (o.credentialId ? `${o.resource.id}/${o.credentialId}` : o.resource.id))

/** Outcomes a check could not judge, as `resource[/credential]: reason`. */
export const unknownIds = (outcomes: Outcome[]) =>
  outcomes
    .filter((o) => o.status === 'unknown')
    .map((o) => `${o.credentialId ? `${o.resource.id}/${o.credentialId}` : o.resource.id}: ${o.reason}`)

/**
 * A user as the normalizer leaves a report row with unexpected values in these columns: the columns are
 * listed as unknown and the values absent (password_last_used becomes `unreadable`).
 */
export function withUnreadable(u: CredentialUser, ...columns: ReportColumn[]): CredentialUser {
  return {
    ...u,
    unknownFields: columns,
    ...(columns.includes('password_last_used') ? { passwordUse: { kind: 'unreadable' } } : {}),
  }
}
