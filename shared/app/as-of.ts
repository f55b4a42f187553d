import type { FindingsStore } from '../aws/findings-store.ts'
import { AsOfFold, findingFromEntry } from '../engine/as-of.ts'
import type { Finding, FindingStatus } from '../model/finding.ts'

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/

/**
 * The instant a typed time names, as ISO 8601 in UTC (`2026-03-31T23:59:59.000Z`): an ISO time with
 * its zone (`Z` or `+02:00`), or a date alone (`2026-03-31`: midnight UTC as that day begins). A time
 * without a zone is refused: it would depend on the machine's.
 */
export function parseInstant(text: string): string {
  const t = text.trim()
  if (!DATE_ONLY.test(t) && !DATE_TIME.test(t))
    throw new Error(
      `"${text}" is not an ISO 8601 time with its zone (2026-03-31T23:59:59Z, 2026-03-31T23:59:59+02:00) or a date (2026-03-31)`,
    )
  const ms = Date.parse(DATE_ONLY.test(t) ? `${t}T00:00:00Z` : t)
  if (Number.isNaN(ms)) throw new Error(`"${text}" is not a valid time`)
  return new Date(ms).toISOString()
}

/**
 * The findings as they stood at `at` (an ISO 8601 time; parseInstant reads what people type):
 * reconstructed from the immutable history, never from the current state. Every finding that existed
 * then, with its status then (OPEN or RESOLVED; a suppressed finding keeps its status and carries its
 * suppression), or with `status` only those: `{ status: 'OPEN' }` is "what was open at that moment", and
 * fetches only those. Sorted by finding id.
 *
 * Reads the history-as-of index (keys only: account, time, status and transition of every history item)
 * for every transition up to `at`, folds them to the one in force per finding (the highest sequence
 * number at or before `at`), then fetches those history items (BatchGetItem, 100 a call): each is the
 * finding as that transition left it.
 */
export async function findingsAsOf(
  store: FindingsStore,
  at: string,
  options: { accountId?: string; status?: FindingStatus } = {},
): Promise<Finding[]> {
  const ms = Date.parse(at)
  if (Number.isNaN(ms)) throw new Error(`not a time: "${at}"`)
  const t = new Date(ms).toISOString()
  const fold = new AsOfFold(t)
  await store.forEachAsOfEntry(
    { to: t, ...(options.accountId !== undefined ? { accountId: options.accountId } : {}) },
    (e) => fold.add(e),
  )
  const deciding = fold.all().filter((d) => !options.status || d.status === options.status)
  const entries = new Map(
    (await store.getHistoryEntries(deciding)).map((e) => [`${e.findingId}#${e.seq}`, e] as const),
  )
  const findings = deciding.map((d) => {
    const entry = entries.get(`${d.findingId}#${d.seq}`)
    if (!entry)
      throw new Error(
        `history item ${d.seq} of finding ${d.findingId} is in the history-as-of index but not in the table: run iamwatch verify`,
      )
    return findingFromEntry(entry, d)
  })
  // The item itself is the record (the index only points at it): its status decides.
  return options.status ? findings.filter((f) => f.status === options.status) : findings
}
