import { randomUUID } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { AccessAdvisor } from './access-advisor.ts'
import { assumeRoleTrail } from './actions/assume-role.ts'
import { CLOUDTRAIL_ACTIONS, listAnalyzers } from './actions/cloudtrail.ts'
import { IAM_ACTIONS, IAM_WRITE_ACTIONS, STS_ACTIONS } from './actions/index.ts'
import { ORGANIZATIONS_ACTIONS } from './actions/organizations.ts'
import { STS_NS } from './actions/sts.ts'
import type { ActionHandler } from './actions/types.ts'
import { SimError } from './errors.ts'
import { SimEvents } from './events.ts'
import { type Faults, injectFault } from './faults.ts'
import { type Caller, resolveCaller, type SimCredential, signingKey } from './identity.ts'
import { type SimKeyOptions, SimKms } from './kms.ts'
import type { SimAccount } from './model.ts'
import { type OrganizationSpec, SimOrganization } from './organizations.ts'
import { type S3Response, type SimBucketOptions, SimS3, s3ErrorXml } from './s3.ts'
import { SimSecurityHub } from './security-hub.ts'
import { apiCallRecord, type CloudTrailSink, type TrailRecord } from './trail.ts'
import {
  header,
  isS3Request,
  type JsonService,
  jsonTarget,
  readBody,
  serviceError,
  signingScope,
  sourceIp,
} from './wire.ts'
import { errorXml, resultXml, toXml, type XmlNode } from './xml.ts'

export type { Faults } from './faults.ts'

export interface SimulatorOptions {
  reportDelayMs?: number
  /** How long a credential report is served before it must be generated again (IAM: 4 hours, of account time). */
  reportTtlMs?: number
  /** Deterministic fault injection: a seeded generator instead of Math.random. */
  random?: () => number
  /**
   * The CloudTrail sink: every IAM write and STS AssumeRole (successful, or refused) is handed to it as
   * the record CloudTrail would write (an AssumeRole's in the role's account), in order, one at a time, after the response is sent (CloudTrail is
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
  /** An organization the accounts form from the start (see local/iam-sim/organizations.ts). */
  organization?: OrganizationSpec
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
  /** AWS Organizations: the organization the accounts form; undefined until one is created. */
  organization: SimOrganization | undefined
  /** Creates the organization (one per simulator): see local/iam-sim/organizations.ts. */
  createOrganization(spec: OrganizationSpec): SimOrganization
  /** EventBridge (AWSEvents JSON 1.1): each account's rules and targets, per region. */
  events: SimEvents
  cloudTrail: SimCloudTrail
  faults: Faults
  /** KMS (TrentService JSON 1.1): its keys, and CreateKey for tests. */
  kms: SimKms
  /** S3 (REST-XML, path-style): its buckets and objects. */
  s3: SimS3
  /** Security Hub (REST-JSON, signed for `securityhub`): imported findings, per account and region. */
  securityHub: SimSecurityHub
  /** Requests per action, successful or not. */
  readonly requests: Map<string, number>
  requestCount(action?: string): number
  resetCounters(): void
  stop(): Promise<void>
}

const MAX_BODY = 1_000_000
/** S3 request bodies (objects) may be larger than the other services'. */
const MAX_OBJECT = 64_000_000
/** A BatchImportFindings request: up to 100 findings of up to 240 KB each. */
const MAX_FINDINGS_BODY = 25_000_000
const MAX_RECORDS = 10_000

/** The REST-JSON services (plain application/json), beside the JSON 1.1 ones. */
const restJson = (service: JsonService) => service === 'access-analyzer' || service === 'securityhub'

/**
 * A wire-level IAM: AWS Query protocol in (form-encoded POST, Action=...), XML out, with IAM's error
 * shapes and HTTP statuses. Bound to 127.0.0.1 on a free port. The real SDK clients talk to it. The same
 * endpoint serves STS (Query, Version 2011-06-15: GetCallerIdentity, AssumeRole), the JSON 1.1 services
 * by their `X-Amz-Target` (KMS `TrentService.*`, local/iam-sim/kms.ts; CloudTrail `CloudTrail_20131101.*`;
 * Organizations `AWSOrganizationsV20161128.*`, local/iam-sim/organizations.ts; EventBridge `AWSEvents.*`,
 * local/iam-sim/events.ts), Access Analyzer (REST-JSON, `/analyzer`), Security Hub (REST-JSON, signed
 * for `securityhub`: BatchImportFindings, BatchUpdateFindings, GetFindings, local/iam-sim/security-hub.ts)
 * and S3 (REST-XML, path-style: any other path, or a request signed for `s3`, local/iam-sim/s3.ts).
 * Each request is served by the account its signing key belongs to (an IAM user's or root's access key in
 * that account, or a registered role session: an AssumeRole session is its role's account's); IAM writes
 * and STS AssumeRole become CloudTrail records in the sink.
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
  const securityHub = new SimSecurityHub(clock)
  for (const key of options.kmsKeys ?? []) kms.createKey(key)
  for (const bucket of options.buckets ?? []) s3.createBucket(bucket)
  const sim: Omit<IamSimulator, 'endpoint' | 'stop'> = {
    account,
    kms,
    s3,
    securityHub,
    events: new SimEvents(),
    accounts,
    organization: undefined,
    createOrganization: (spec) => {
      if (sim.organization) throw new Error(`the accounts already form ${sim.organization.id}`)
      sim.organization = new SimOrganization(spec)
      return sim.organization
    },
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
  if (options.organization) sim.createOrganization(options.organization)
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
  const count = (action: string) => requests.set(action, (requests.get(action) ?? 0) + 1)

  /** A JSON service's action for the caller's account, in the region the request was signed for. */
  const jsonCall = (
    service: JsonService,
    action: string,
    served: SimAccount,
    region: string,
    body: Record<string, unknown>,
    url: URL,
  ): object => {
    const unknown = () => new SimError('UnknownOperationException', 400, `unknown operation ${action}`)
    switch (service) {
      case 'kms': {
        const handler = kms.actions[action]
        if (!handler) throw unknown()
        return handler(served.accountId, region, body)
      }
      case 'cloudtrail': {
        const handler = CLOUDTRAIL_ACTIONS[action]
        if (!handler) throw unknown()
        return handler(served, body, region)
      }
      case 'organizations': {
        const handler = ORGANIZATIONS_ACTIONS[action]
        if (!handler) throw unknown()
        return handler({ organization: sim.organization, accountId: served.accountId, body })
      }
      case 'events': {
        const handler = sim.events.actions[action]
        if (!handler) throw unknown()
        return handler(served.accountId, region, body)
      }
      case 'access-analyzer':
        return listAnalyzers(served, region, url.searchParams)
      case 'securityhub': {
        const handler = securityHub.actions[action]
        if (!handler) throw unknown()
        return handler(served.accountId, region, body)
      }
    }
  }

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
    const scope = signingScope(req)
    const region = scope?.region ?? 'us-east-1'
    /** A call CloudTrail records: IAM writes (in us-east-1) and STS AssumeRole (in the role's account). */
    type Trailed = { params: URLSearchParams; action: string; caller: Caller; sts: boolean }
    const trail = (
      call: Trailed,
      outcome: { result: XmlNode } | { error: { code: string; message: string } },
    ) =>
      emit(
        apiCallRecord({
          caller: call.caller,
          eventSource: call.sts ? 'sts.amazonaws.com' : 'iam.amazonaws.com',
          eventName: call.action,
          at: call.caller.account.now(),
          requestId,
          sourceIp: sourceIp(req),
          userAgent: header(req, 'user-agent') ?? '',
          params: call.params,
          outcome,
          ...(call.sts ? { region, readOnly: true, ...assumeRoleTrail(call.params) } : {}),
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
    const target = header(req, 'x-amz-target')
    const routed = target !== undefined ? jsonTarget(target) : undefined
    // A target no service here answers is refused as the JSON services refuse it (UnknownOperationException).
    const json: { service: JsonService; action: string } | undefined =
      target !== undefined
        ? (routed ?? { service: 'cloudtrail', action: target.split('.').at(-1) ?? '' })
        : url.pathname.startsWith('/analyzer')
          ? { service: 'access-analyzer', action: 'ListAnalyzers' }
          : scope?.service === 'securityhub'
            ? { service: 'securityhub', action: securityHub.operation(req.method ?? 'GET', url.pathname) }
            : undefined
    const isS3 = !json && isS3Request(req, url)
    let trailed: Trailed | undefined
    try {
      const raw = await readBody(
        req,
        isS3 ? MAX_OBJECT : json?.service === 'securityhub' ? MAX_FINDINGS_BODY : MAX_BODY,
      )
      const body = isS3 ? '' : raw.toString()
      if (latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, latencyMs))
      if (target !== undefined && !routed)
        throw new SimError('UnknownOperationException', 400, `unknown operation ${target}`)
      const caller = callerOf(req)
      const served = caller.account
      // IAM notes when, where and for which service an access key was last used (GetAccessKeyLastUsed,
      // the credential report).
      if (caller.key && scope)
        caller.key.lastUsed = { date: served.now(), region: scope.region, service: scope.service }
      if (json) {
        // JSON protocols: the services' data is per account and, but for Organizations, per region.
        count(json.action)
        injectFault(sim.faults, json.action, random)
        const result = jsonCall(json.service, json.action, served, region, body ? JSON.parse(body) : {}, url)
        send(
          200,
          restJson(json.service) ? 'application/json' : 'application/x-amz-json-1.1',
          JSON.stringify(result),
        )
        return
      }
      if (isS3) {
        const operation = s3.operation(req.method ?? 'GET', url)
        count(operation)
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
      const params = new URLSearchParams(body)
      const action = params.get('Action') ?? ''
      count(action)
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
      if (sts ? action === 'AssumeRole' : IAM_WRITE_ACTIONS[action]) trailed = { params, action, caller, sts }
      const result = handler({ account: served, params, settings, caller, accessAdvisor, world: sim, region })
      send(200, 'text/xml', resultXml(action, toXml(result), requestId, sts ? STS_NS : undefined))
      const done = trailed
      trailed = undefined
      if (done) trail(done, { result })
    } catch (err) {
      const e =
        err instanceof SimError
          ? err
          : new SimError('ServiceFailure', 500, String((err as Error)?.message ?? err))
      // IAM (or STS) refused the call: CloudTrail records the attempt, with its error.
      if (trailed) trail(trailed, { error: { code: e.code, message: e.message } })
      if (isS3) {
        const s3e = serviceError('s3', e)
        res.writeHead(s3e.status, { 'content-type': 'application/xml', 'x-amz-request-id': requestId })
        res.end(req.method === 'HEAD' ? undefined : s3ErrorXml(s3e, requestId))
        return
      }
      if (json?.service === 'securityhub') {
        // Security Hub's errors carry Code and Message, and name their type in x-amzn-errortype.
        const j = serviceError(json.service, e)
        res.writeHead(j.status, {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': j.code,
        })
        res.end(JSON.stringify({ Code: j.code, Message: j.message }))
      } else if (json) {
        const j = serviceError(json.service, e)
        send(
          j.status,
          json.service === 'access-analyzer' ? 'application/json' : 'application/x-amz-json-1.1',
          JSON.stringify({ __type: j.code, message: j.message }),
        )
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
