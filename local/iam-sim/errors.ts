/** An AWS error the simulator answers with: code, HTTP status, message. */
export class SimError extends Error {
  readonly code: string
  readonly status: number
  constructor(code: string, status: number, message: string) {
    super(message)
    this.code = code
    this.status = status
  }
}

export const noSuchEntity = (what: string) => new SimError('NoSuchEntity', 404, what)
export const invalidInput = (what: string) => new SimError('InvalidInput', 400, what)
export const validationError = (what: string) => new SimError('ValidationError', 400, what)
