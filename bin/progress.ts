import type { CallEvent } from '../shared/aws/clients.ts'

/**
 * Progress of long work on stderr, only when stderr is a terminal (otherwise nothing at all, so logs and
 * pipes see only what matters): steps stay on screen (`[  1.2s] credentials: started`), the latest call
 * is one status line that the next one overwrites.
 */
export interface Progress {
  readonly enabled: boolean
  /** Seconds since the command started. */
  elapsed(): number
  /** A line that stays. */
  step(text: string): void
  /** A line the next one replaces. */
  status(text: string): void
  /** Turns an SDK call into a status line. */
  call(event: CallEvent): void
  /** Erases the status line, before anything else is written to stderr. */
  clear(): void
}

const ERASE = '\r\x1b[2K'

export function createProgress(
  write: (text: string) => void,
  enabled: boolean,
  now: () => number = () => performance.now(),
): Progress {
  const start = now()
  let showing = false
  const calls = new Map<string, number>()
  let pages = 0
  let principals = 0
  const elapsed = () => (now() - start) / 1000
  const stamp = () => `[${elapsed().toFixed(1).padStart(5)}s]`
  const clear = () => {
    if (showing) write(ERASE)
    showing = false
  }
  const status = (text: string) => {
    if (!enabled) return
    write(`${ERASE}${stamp()} ${text}`)
    showing = true
  }
  return {
    enabled,
    elapsed,
    clear,
    status,
    step(text) {
      if (!enabled) return
      clear()
      write(`${stamp()} ${text}\n`)
    },
    call(e) {
      if (!enabled) return
      const key = `${e.service} ${e.operation}`
      const n = (calls.get(key) ?? 0) + 1
      calls.set(key, n)
      const out = (e.output ?? {}) as Record<string, unknown>
      const count = (name: string) => (Array.isArray(out[name]) ? (out[name] as unknown[]).length : 0)
      if (e.error) {
        const name = (e.error as { name?: string }).name ?? 'Error'
        // While IAM generates the report, GetCredentialReport answers ReportInProgress (or NotPresent).
        if (
          e.operation === 'GetCredentialReport' &&
          /^(CredentialReport(NotReady|NotPresent|Expired)|Report(InProgress|NotPresent|Expired))/.test(name)
        )
          return status('waiting for IAM to finish the credential report')
        return status(`${key}: ${name}`)
      }
      if (e.operation === 'GenerateCredentialReport')
        return status(`IAM is generating the credential report (${String(out.State ?? 'unknown')})`)
      if (e.operation === 'GetCredentialReport') return status('credential report received')
      if (e.operation === 'GetAccountAuthorizationDetails') {
        pages++
        principals += count('UserDetailList') + count('RoleDetailList') + count('GroupDetailList')
        return status(
          `authorization details: page ${pages} (${principals} principal${principals === 1 ? '' : 's'})`,
        )
      }
      status(n === 1 ? key : `${key} (${n} calls)`)
    },
  }
}
