import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { CLOUDTRAIL_ACTIONS, listAnalyzers } from './actions/cloudtrail.ts'
import { IAM_ACTIONS, STS_ACTIONS } from './actions/index.ts'
import { STS_NS } from './actions/sts.ts'
import type { ActionHandler } from './actions/types.ts'
import { SimError } from './errors.ts'
import type { SimAccount } from './model.ts'
import { errorXml, resultXml, toXml } from './xml.ts'

/** Faults to inject: throttle or fail a fraction of calls, or make named actions fail. */
export interface Faults {
  throttleRate?: number
  serverErrorRate?: number
  /** Action name -> error code it answers with (e.g. { ListAccessKeys: 'ServiceFailure' }). */
  failActions?: Record<string, string>
  /** Fail only the next N calls of these actions (ServiceFailure, or the given code), then recover. */
  failNext?: Record<string, number | { times: number; code: string }>
}

export interface SimulatorOptions {
  reportDelayMs?: number
  reportTtlMs?: number
  /** Deterministic fault injection: a seeded generator instead of Math.random. */
  random?: () => number
}

export interface IamSimulator {
  endpoint: string
  account: SimAccount
  faults: Faults
  /** Requests per action, successful or not. */
  readonly requests: Map<string, number>
  requestCount(action?: string): number
  resetCounters(): void
  stop(): Promise<void>
}

const MAX_BODY = 1_000_000

/**
 * A wire-level IAM: AWS Query protocol in (form-encoded POST, Action=...), XML out, with IAM's error
 * shapes and HTTP statuses. Bound to 127.0.0.1 on a free port. The real SDK clients talk to it.
 */
export async function startIamSimulator(
  account: SimAccount,
  options: SimulatorOptions = {},
): Promise<IamSimulator> {
  const settings = {
    reportDelayMs: options.reportDelayMs ?? 50,
    reportTtlMs: options.reportTtlMs ?? 4 * 3_600_000,
  }
  const random = options.random ?? Math.random
  const requests = new Map<string, number>()
  const sim: Omit<IamSimulator, 'endpoint' | 'stop'> = {
    account,
    faults: {},
    requests,
    requestCount: (action) =>
      action ? (requests.get(action) ?? 0) : [...requests.values()].reduce((a, b) => a + b, 0),
    resetCounters: () => requests.clear(),
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID()
    const send = (status: number, contentType: string, payload: string) => {
      res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': requestId })
      res.end(payload)
    }
    const target = req.headers['x-amz-target']
    const json = typeof target === 'string' || (req.url ?? '').startsWith('/analyzer')
    try {
      const body = await readBody(req)
      if (json) {
        // JSON protocols: CloudTrail (JSON 1.1, X-Amz-Target) and Access Analyzer (REST-JSON, GET /analyzer).
        // The region is the one the request was signed for, as AWS routes it.
        const region =
          /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\//.exec(String(req.headers.authorization ?? ''))?.[1] ??
          'us-east-1'
        const action = typeof target === 'string' ? (target.split('.').at(-1) ?? '') : 'ListAnalyzers'
        requests.set(action, (requests.get(action) ?? 0) + 1)
        injectFault(sim.faults, action, random)
        const handler = CLOUDTRAIL_ACTIONS[action]
        if (typeof target === 'string' && !handler)
          throw new SimError('UnknownOperationException', 400, `unknown operation ${action}`)
        const url = new URL(req.url ?? '/', 'http://local')
        const result = handler
          ? handler(account, body ? JSON.parse(body) : {}, region)
          : listAnalyzers(account, region, url.searchParams)
        send(
          200,
          typeof target === 'string' ? 'application/x-amz-json-1.1' : 'application/json',
          JSON.stringify(result),
        )
        return
      }
      const params = new URLSearchParams(body)
      const action = params.get('Action') ?? ''
      requests.set(action, (requests.get(action) ?? 0) + 1)
      // IAM and STS share the Query protocol; the Version parameter tells them apart.
      const sts = params.get('Version') === '2011-06-15'
      const handler: ActionHandler | undefined = (sts ? STS_ACTIONS : IAM_ACTIONS)[action]
      if (!handler)
        throw new SimError(
          'InvalidAction',
          400,
          `Could not find operation ${action} for version ${params.get('Version')}`,
        )
      injectFault(sim.faults, action, random)
      const result = handler({ account, params, settings })
      send(200, 'text/xml', resultXml(action, toXml(result), requestId, sts ? STS_NS : undefined))
    } catch (err) {
      const e =
        err instanceof SimError
          ? err
          : new SimError('ServiceFailure', 500, String((err as Error)?.message ?? err))
      if (json)
        send(e.status, 'application/x-amz-json-1.1', JSON.stringify({ __type: e.code, message: e.message }))
      else
        send(
          e.status,
          'text/xml',
          errorXml(e.code, e.message, requestId, e.status >= 500 ? 'Receiver' : 'Sender'),
        )
    }
  }

  const server: Server = createServer((req, res) => void handle(req, res))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const address = server.address()
  if (!address || typeof address === 'string') throw new Error('simulator did not bind')
  return Object.assign(sim, {
    endpoint: `http://127.0.0.1:${address.port}`,
    stop: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      }),
  })
}

function injectFault(faults: Faults, action: string, random: () => number): void {
  const next = faults.failNext?.[action]
  const times = typeof next === 'number' ? next : (next?.times ?? 0)
  if (times > 0) {
    const code = typeof next === 'object' ? next.code : 'ServiceFailure'
    faults.failNext![action] = typeof next === 'object' ? { ...next, times: times - 1 } : times - 1
    throw new SimError(code, code === 'ServiceFailure' ? 500 : 400, `injected ${code} for ${action}`)
  }
  const code = faults.failActions?.[action]
  if (code) throw new SimError(code, code === 'ServiceFailure' ? 500 : 400, `injected ${code} for ${action}`)
  if (faults.throttleRate && random() < faults.throttleRate)
    throw new SimError('Throttling', 400, 'Rate exceeded')
  if (faults.serverErrorRate && random() < faults.serverErrorRate)
    throw new SimError('ServiceFailure', 500, 'injected server error')
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > MAX_BODY) {
        reject(new SimError('RequestEntityTooLarge', 413, 'request body too large'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString()))
    req.on('error', reject)
  })
}
