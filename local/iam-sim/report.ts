import { REPORT_COLUMNS } from '../../shared/normalize/credential-report.ts'
import type { SimAccessKey, SimAccount, SimSigningCertificate } from './model.ts'

const iso = (d: Date | undefined) => (d ? d.toISOString().replace(/\.\d{3}Z$/, '+00:00') : 'N/A')
/** Dates before 2014-10-20 are when IAM started tracking password use: older use is no_information. */
const TRACKING_START = Date.UTC(2014, 9, 20)

function keyColumns(key: SimAccessKey | undefined): string[] {
  if (!key) return ['false', 'N/A', 'N/A', 'N/A', 'N/A']
  return [
    String(key.status === 'Active'),
    iso(key.createDate),
    iso(key.lastUsed?.date),
    key.lastUsed?.region ?? 'N/A',
    key.lastUsed?.service ?? 'N/A',
  ]
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value
}

/** The credential report as IAM renders it: 22 columns, the <root_account> row first. */
export function renderCredentialReport(account: SimAccount): string {
  const rows: string[][] = [[...REPORT_COLUMNS]]
  const root = account.root
  const [rk1, rk2] = [...root.accessKeys].sort((a, b) => a.createDate.getTime() - b.createDate.getTime())
  const [rc1, rc2] = [...(root.signingCertificates ?? [])].sort(
    (a, b) => a.uploadDate.getTime() - b.uploadDate.getTime(),
  )
  const cert = (c: SimSigningCertificate | undefined) => [String(c?.status === 'Active'), iso(c?.uploadDate)]
  rows.push([
    '<root_account>',
    account.arn('root'),
    iso(root.createDate),
    'not_supported',
    root.passwordLastUsed ? iso(root.passwordLastUsed) : 'no_information',
    'not_supported',
    'not_supported',
    String(root.mfa !== undefined),
    ...keyColumns(rk1),
    ...keyColumns(rk2),
    ...cert(rc1),
    ...cert(rc2),
  ])
  for (const user of account.users.values()) {
    const [k1, k2] = [...user.accessKeys].sort((a, b) => a.createDate.getTime() - b.createDate.getTime())
    const profile = user.loginProfile
    const lastUsed = profile?.passwordLastUsed
    rows.push([
      user.name,
      account.userArn(user),
      iso(user.createDate),
      String(profile !== undefined),
      !profile
        ? 'N/A'
        : !lastUsed
          ? 'N/A'
          : lastUsed.getTime() < TRACKING_START
            ? 'no_information'
            : iso(lastUsed),
      profile ? iso(profile.passwordLastChanged) : 'N/A',
      'N/A',
      String(user.mfaDevices.length > 0),
      ...keyColumns(k1),
      ...keyColumns(k2),
      'false',
      'N/A',
      'false',
      'N/A',
    ])
  }
  return `${rows.map((r) => r.map(csvField).join(',')).join('\n')}\n`
}
