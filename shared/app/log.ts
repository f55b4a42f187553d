/** What the services need of a logger; Powertools' Logger and a console adapter both fit. */
export interface Log {
  info(message: string, extra?: Record<string, unknown>): void
  warn(message: string, extra?: Record<string, unknown>): void
  error(message: string, extra?: Record<string, unknown>): void
}

export const silentLog: Log = { info() {}, warn() {}, error() {} }

/** Adapts Powertools' Logger (whose extra argument is not optional in its types). */
export function fromPowertools(logger: {
  info(m: string, ...e: Record<string, unknown>[]): void
  warn(m: string, ...e: Record<string, unknown>[]): void
  error(m: string, ...e: Record<string, unknown>[]): void
}): Log {
  return {
    info: (m, e) => (e ? logger.info(m, e) : logger.info(m)),
    warn: (m, e) => (e ? logger.warn(m, e) : logger.warn(m)),
    error: (m, e) => (e ? logger.error(m, e) : logger.error(m)),
  }
}
