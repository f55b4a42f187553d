/** What the services need of a logger; Powertools' Logger and a console adapter both fit. */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void
  warn(message: string, extra?: Record<string, unknown>): void
  error(message: string, extra?: Record<string, unknown>): void
}

export const silentLog: Log = { info() {}, warn() {}, error() {} }

const LEVELS = { DEBUG: 0, TRACE: 0, INFO: 1, WARN: 2, ERROR: 3, FATAL: 3 } as const

/**
 * Structured logging through console, for Lambda's native JSON log format (LoggingConfig.LogFormat
 * JSON): the runtime adds timestamp, level and requestId, and filters by the configured application
 * log level (AWS_LAMBDA_LOG_LEVEL), which this adapter honours too when run elsewhere.
 */
export function consoleLog(
  level = process.env.AWS_LAMBDA_LOG_LEVEL ?? process.env.IAMWATCH_LOG_LEVEL ?? 'INFO',
): Log {
  const min = LEVELS[level.toUpperCase() as keyof typeof LEVELS] ?? LEVELS.INFO
  const at =
    (n: number, write: (o: object) => void) => (message: string, extra?: Record<string, unknown>) => {
      if (n >= min) write({ message, ...extra })
    }
  return { info: at(1, console.info), warn: at(2, console.warn), error: at(3, console.error) }
}

/** A log whose every line names the account it is about (an organization's scans run side by side). */
export function accountLog(log: Log, accountId: string): Log {
  const tag = (extra?: Record<string, unknown>) => ({ accountId, ...extra })
  return {
    info: (m, e) => log.info(m, tag(e)),
    warn: (m, e) => log.warn(m, tag(e)),
    error: (m, e) => log.error(m, tag(e)),
  }
}
