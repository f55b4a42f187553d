import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { AccessAdvisor, type AccessJobFault } from './access-advisor.ts'
import { CLOUDTRAIL_ACTIONS, listAnalyzers } from './actions/cloudtrail.ts'
import { IAM_ACTIONS, IAM_WRITE_ACTIONS, STS_ACTIONS } from './actions/index.ts'
import { STS_NS } from './actions/sts.ts'
import type { ActionHandler } from './actions/types.ts'
import { SimError } from './errors.ts'
import { type Caller, resolveCaller, type SimCredential, signingKey } from './identity.ts'
import { type SimKeyOptions, SimKms } from './kms.ts'
import type { SimAccount } from './model.ts'
import { type S3Response, type SimBucketOptions, SimS3, s3ErrorXml } from './s3.ts'
import { apiCallRecord, type CloudTrailSink, type TrailRecord } from './trail.ts'
import { errorXml, resultXml, toXml, type XmlNode } from './xml.ts'

/** Faults to inject: throttle or fail a fraction of calls, or make named actions fail. */
export interface Faults {
  throttleRate?: number
  /** Counted here: how many calls throttleRate has throttled so far. */
  throttled?: number
  serverErrorRate?: number
  /** Action name -> error code it answers with (e.g. { ListAccessKeys: 'ServiceFailure' }). */
  failActions?: Record<string, string>
  /** Fail only the next N calls of these actions (ServiceFailure, or the given code), then recover. */
  failNext?: Record<string, number | { times: number; code: string }>
  /**
   * Access Advisor jobs that end FAILED (GetServiceLastAccessedDetails answers JobStatus FAILED with an
   * Error): a number fails that many of the next jobs generated; a predicate, the jobs for ARNs it accepts.
   */
  failAccessJobs?: AccessJobFault
}

export interface SimulatorOptions {
  reportDelayMs?: number
  /** How long a credential report is served before it must be generated again (IAM: 4 hours, of account time). */
  reportTtlMs?: number
  /** Deterministic fault injection: a seeded generator instead of Math.random. */
  random?: () => number
  /**
   * The CloudTrail sink: every IAM write (successful, or refused by IAM) is handed to it as the record
   * CloudTrail would write, in order, one at a time, after the response is sent (CloudTrail is
   * asynchronous too). Without one, records are only kept in `cloudTrail.records`.
   */
  cloudTrail?: CloudTrailSink
  /** Reported when the sink throws; the record stays in `cloudTrail.records`. Default: stderr. */
  onCloudTrailError?: (err: unknown, record: TrailRecord) => void
  /**
   * Refuse unknown access keys (InvalidClientTokenId) and unsigned requests, as AWS does. Default: off,
   * so any client reaches the first account as its default caller (`user/iamwatch-scanner`).
   */
  strictCredentials?: boolean
  /** Role sessions (or other keys) the simulator accepts, besides the account's own user and root keys. */
  credentials?: SimCredential[]
  /** Wall-clock time an Access Advisor job takes to complete (GenerateServiceLastAccessedDetails). Default 50 ms. */
  accessJobDelayMs?: number
  /**
   * How old usage must be (account time) before Access Advisor reports it. Default 4 hours: AWS says
   * "Recent activity usually appears within four hours".
   */
  accessLagMs?: number
  /** Delay before answering each request (not the admin endpoints), to stand in for AWS's latency. Default 0. */
  latencyMs?: number
  /** KMS keys that exist from the start (in the first account and us-east-1 unless they say otherwise). */
  kmsKeys?: SimKeyOptions[]
  /** S3 buckets that exist from the start (the first account's unless they say otherwise). */
  buckets?: SimBucketOptions[]
  /** The clock of KMS and S3: creation dates, and when Object Lock retention ends. Default: the wall clock. */
  clock?: () => Date
}

export interface SimCloudTrail {
  /** Every record emitted, oldest first (the last 10,000). */
  readonly records: TrailRecord[]
  /** Resolves once every record emitted so far has been through the sink. */
  idle(): Promise<void>
}

export interface IamSimulator {
  endpoint: string
  /** The first account: the one unsigned requests and unknown keys reach when the simulator is lenient. */
  account: SimAccount
  /** Every account, by id. A request is served by the account its signing key belongs to. */
  readonly accounts: ReadonlyMap<string, SimAccount>
  addAccount(account: SimAccount): void
  addCredentials(credential: SimCredential): void
  cloudTrail: SimCloudTrail
  faults: Faults
  /** KMS (TrentService JSON 1.1): its keys, and CreateKey for tests. */
  kms: SimKms
  /** S3 (REST-XML, path-style): its buckets and objects. */
  s3: SimS3
  /** Requests per action, successful or not. */
  readonly requests: Map<string, number>
  requestCount(action?: string): number
  resetCounters(): void
  stop(): Promise<void>
}

const MAX_BODY = 1_000_000
/** S3 request bodies (objects) may be larger than the other services'. */
const MAX_OBJECT = 64_000_000
const MAX_RECORDS = 10_000

/**
 * A wire-level IAM: AWS Query protocol in (form-encoded POST, Action=...), XML out, with IAM's error
 * shapes and HTTP statuses. Bound to 127.0.0.1 on a free port. The real SDK clients talk to it. The same
 * endpoint serves KMS (JSON 1.1, `X-Amz-Target: TrentService.*`, local/iam-sim/kms.ts) and S3 (REST-XML,
 * path-style: any other path, or a request signed for `s3`, local/iam-sim/s3.ts). Each
 * request is served by the account its signing key belongs to (an IAM user's or root's access key in
 * that account, or a registered role session); IAM writes become CloudTrail records in the sink.
 *
 * Admin endpoints (no signature, not AWS APIs):
 *   POST /__admin/expire-report[?account=<id>]  expire the cached credential report (all accounts by
 *                                               default), so the next GenerateCredentialReport starts anew
 *   GET  /__admin/cloudtrail[?limit=<n>]        the last records emitted, as JSON lines
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
  const latencyMs = options.latencyMs ?? 0
  const requests = new Map<string, number>()
  const accounts = new Map<string, SimAccount>([[account.accountId, account]])
  const credentials = new Map((options.credentials ?? []).map((c) => [c.accessKeyId, c]))
  const records: TrailRecord[] = []
  let delivered: Promise<void> = Promise.resolve()
  const onSinkError =
    options.onCloudTrailError ??
    ((err: unknown, record: TrailRecord) =>
      console.error(`CloudTrail sink failed on ${record.eventName} ${record.eventID}:`, err))
  const emit = (record: TrailRecord) => {
    records.push(record)
    if (records.length > MAX_RECORDS) records.splice(0, records.length - MAX_RECORDS)
    const sink = options.cloudTrail
    if (!sink) return
    delivered = delivered.then(async () => {
      try {
        await sink(record)
      } catch (err) {
        onSinkError(err, record)
      }
    })
  }
  const clock = options.clock ?? (() => new Date())
  const kms = new SimKms(account.accountId, clock)
  const s3 = new SimS3(account.accountId, clock)
  for (const key of options.kmsKeys ?? []) kms.createKey(key)
  for (const bucket of options.buckets ?? []) s3.createBucket(bucket)
  const sim: Omit<IamSimulator, 'endpoint' | 'stop'> = {
    account,
    kms,
    s3,
    accounts,
    addAccount: (a) => {
      if (accounts.has(a.accountId)) throw new Error(`account ${a.accountId} is already served`)
      accounts.set(a.accountId, a)
    },
    addCredentials: (c) => {
      credentials.set(c.accessKeyId, c)
    },
    cloudTrail: {
      records,
      idle: async () => {
        // Records emitted while waiting extend the chain: wait until it stops growing.
        for (let seen: Promise<void> | undefined; seen !== delivered; ) {
          seen = delivered
          await seen
        }
      },
    },
    faults: {},
    requests,
    requestCount: (action) =>
      action ? (requests.get(action) ?? 0) : [...requests.values()].reduce((a, b) => a + b, 0),
    resetCounters: () => requests.clear(),
  }
  const accessAdvisor = new AccessAdvisor({
    jobDelayMs: options.accessJobDelayMs ?? 50,
    lagMs: options.accessLagMs ?? 4 * 3_600_000,
    faults: () => sim.faults,
  })
  const callerOf = (req: IncomingMessage): Caller =>
    resolveCaller({
      accessKeyId: signingKey(req.headers.authorization),
      sessionToken: header(req, 'x-amz-security-token'),
      credentials,
      accounts,
      defaultAccount: account,
      strict: options.strictCredentials ?? false,
    })

  const admin = (req: IncomingMessage, url: URL): { status: number; body: string } => {
    if (req.method === 'POST' && url.pathname === '/__admin/expire-report') {
      const id = url.searchParams.get('account')
      const targets = id ? [accounts.get(id)].filter((a) => a !== undefined) : [...accounts.values()]
      if (id && targets.length === 0)
        return { status: 404, body: JSON.stringify({ error: `no account ${id}` }) }
      for (const a of targets) a.expireReport()
      return { status: 200, body: JSON.stringify({ expired: targets.map((a) => a.accountId) }) }
    }
    if (req.method === 'GET' && url.pathname === '/__admin/cloudtrail') {
      const limit = Number(url.searchParams.get('limit') ?? 100)
      const lines = records.slice(-Math.max(1, Math.min(limit, MAX_RECORDS))).map((r) => JSON.stringify(r))
      return { status: 200, body: lines.join('\n') + (lines.length ? '\n' : '') }
    }
    return { status: 404, body: JSON.stringify({ error: `no admin endpoint ${req.method} ${url.pathname}` }) }
  }

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const requestId = randomUUID()
    const trail = (
      call: { params: URLSearchParams; action: string; caller: Caller },
      outcome: { result: XmlNode } | { error: { code: string; message: string } },
    ) =>
      emit(
        apiCallRecord({
          caller: call.caller,
          eventSource: 'iam.amazonaws.com',
          eventName: call.action,
          at: call.caller.account.now(),
          requestId,
          sourceIp: sourceIp(req),
          userAgent: header(req, 'user-agent') ?? '',
          params: call.params,
          outcome,
        }),
      )
    const send = (status: number, contentType: string, payload: string) => {
      res.writeHead(status, { 'content-type': contentType, 'x-amzn-requestid': requestId })
      res.end(payload)
    }
    const url = new URL(req.url ?? '/', 'http://local')
    if (url.pathname.startsWith('/__admin/')) {
      const { status, body } = admin(req, url)
      req.resume()
      return send(
        status,
        url.pathname === '/__admin/cloudtrail' && status === 200
          ? 'application/x-ndjson'
          : 'application/json',
        body,
      )
    }
    const target = req.headers['x-amz-target']
    const json = typeof target === 'string' || url.pathname.startsWith('/analyzer')
    const kmsAction =
      typeof target === 'string' && target.startsWith('TrentService.') ? target.slice(13) : undefined
    const isS3 = !json && isS3Request(req, url)
    let write: { params: URLSearchParams; action: string; caller: Caller } | undefined
    try {
      const raw = await readBody(req, isS3 ? MAX_OBJECT : MAX_BODY)
      const body = isS3 ? '' : raw.toString()
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
      const caller = callerOf(req)
      const served = caller.account
      // IAM notes when, where and for which service an access key was last used (GetAccessKeyLastUsed,
      // the credential report).
      const signed = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\//.exec(
        String(req.headers.authorization ?? ''),
      )
      if (caller.key && signed)
        caller.key.lastUsed = { date: served.now(), region: signed[1]!, service: signed[2]! }
      if (kmsAction !== undefined) {
        // KMS: JSON 1.1; keys are regional, in the caller's account.
        requests.set(kmsAction, (requests.get(kmsAction) ?? 0) + 1)
        injectFault(sim.faults, kmsAction, random)
        const handler = kms.actions[kmsAction]
        if (!handler) throw new SimError('UnknownOperationException', 400, `unknown operation ${kmsAction}`)
        const result = handler(served.accountId, signed?.[1] ?? 'us-east-1', body ? JSON.parse(body) : {})
        send(200, 'application/x-amz-json-1.1', JSON.stringify(result))
        return
      }
      if (isS3) {
        const operation = s3.operation(req.method ?? 'GET', url)
        requests.set(operation, (requests.get(operation) ?? 0) + 1)
        injectFault(sim.faults, operation, random)
        const out: S3Response = s3.handle({
          method: req.method ?? 'GET',
          url,
          headers: req.headers,
          body: raw,
          accountId: served.accountId,
          requestId,
        })
        res.writeHead(out.status, { ...out.headers, 'x-amz-request-id': requestId })
        res.end(req.method === 'HEAD' ? undefined : out.body)
        return
      }
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
        const result = handler
          ? handler(served, body ? JSON.parse(body) : {}, region)
          : listAnalyzers(served, region, url.searchParams)
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
      if (!sts && IAM_WRITE_ACTIONS[action]) write = { params, action, caller }
      const result = handler({ account: served, params, settings, caller, accessAdvisor })
      send(200, 'text/xml', resultXml(action, toXml(result), requestId, sts ? STS_NS : undefined))
      const done = write
      write = undefined
      if (done) trail(done, { result })
    } catch (err) {
      const e =
        err instanceof SimError
          ? err
          : new SimError('ServiceFailure', 500, String((err as Error)?.message ?? err))
      // IAM refused the write: CloudTrail records the attempt, with its error.
      if (write) trail(write, { error: { code: e.code, message: e.message } })
      if (isS3) {
        const s3e = s3Error(e)
        res.writeHead(s3e.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId })
        res.end(req.method === 'HEAD' ? undefined : s3ErrorXml(s3e, requestId))
        return
      }
      if (kmsAction !== undefined) {
        const k = kmsError(e)
        send(k.status, 'application/x-amz-json-1.1', JSON.stringify({ __type: k.code, message: k.message }))
        return
      }
      if (json) {
        // The JSON services name an unknown or unsigned key UnrecognizedClientException.
        const code = ['InvalidClientTokenId', 'MissingAuthenticationToken'].includes(e.code)
          ? 'UnrecognizedClientException'
          : e.code
        send(e.status, 'application/x-amz-json-1.1', JSON.stringify({ __type: code, message: e.message }))
      } else
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
        accessAdvisor.stop()
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
  if (faults.throttleRate && random() < faults.throttleRate) {
    faults.throttled = (faults.throttled ?? 0) + 1
    throw new SimError('Throttling', 400, 'Rate exceeded')
  }
  if (faults.serverErrorRate && random() < faults.serverErrorRate)
    throw new SimError('ServiceFailure', 500, 'injected server error')
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/**
 * The caller's address as CloudTrail logs it: the first X-Forwarded-For address when a client sets one
 * (so a local client can stand in for a remote caller), else the peer's.
 */
function sourceIp(req: IncomingMessage): string {
  const forwarded = header(req, 'x-forwarded-for')?.split(',')[0]?.trim()
  if (forwarded) return forwarded
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')
}

function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (c: Buffer) => {
      size += c.length
      if (size > limit) {
        reject(new SimError('RequestEntityTooLarge', 413, 'request body too large'))
        req.destroy()
      } else chunks.push(c)
    })
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

/**
 * An S3 request: signed for `s3` (`Credential=<key>/<date>/<region>/s3/aws4_request`), or, unsigned,
 * addressed to a path (`/<bucket>[/<key>]`) that no other service here uses (IAM, STS and CloudTrail
 * post to `/`, Access Analyzer reads `/analyzer`, the admin endpoints are under `/__admin/`).
 */
function isS3Request(req: IncomingMessage, url: URL): boolean {
  const service = /Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/([a-z0-9-]+)\//.exec(
    String(req.headers.authorization ?? ''),
  )?.[1]
  if (service) return service === 's3'
  return (
    url.pathname !== '/' && !url.pathname.startsWith('/analyzer') && !url.pathname.startsWith('/__admin/')
  )
}

/** An error as S3 names it: its credential and fault codes differ from IAM's. */
function s3Error(e: SimError): SimError {
  const renamed: Record<string, [string, number, string?]> = {
    InvalidClientTokenId: [
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    ],
    MissingAuthenticationToken: ['AccessDenied', 403, 'Access Denied'],
    ServiceFailure: ['InternalError', 500],
    Throttling: ['SlowDown', 503, 'Please reduce your request rate.'],
  }
  const r = renamed[e.code]
  return r ? new SimError(r[0], r[1], r[2] ?? e.message) : e
}

/** An error as KMS names it. */
function kmsError(e: SimError): SimError {
  const renamed: Record<string, [string, number]> = {
    InvalidClientTokenId: ['UnrecognizedClientException', 400],
    MissingAuthenticationToken: ['UnrecognizedClientException', 400],
    ServiceFailure: ['KMSInternalException', 500],
    Throttling: ['ThrottlingException', 400],
  }
  const r = renamed[e.code]
  return r ? new SimError(r[0], r[1], e.message) : e
}
