import type { IncomingMessage } from 'node:http'
import { SimError } from './errors.ts'

/**
 * The simulator's wire plumbing: what a request says about itself (signing scope, caller address, body,
 * which service it is for) and how each service names an error.
 */

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value[0] : value
}

/** The region and service a SigV4 request was signed for: `Credential=<key>/<date>/<region>/<service>/aws4_request`. */
export function signingScope(req: IncomingMessage): { region: string; service: string } | undefined {
  const m = /Credential=[^/]+\/\d{8}\/([a-z0-9-]+)\/([a-z0-9-]+)\//.exec(
    String(req.headers.authorization ?? ''),
  )
  return m ? { region: m[1]!, service: m[2]! } : undefined
}

/**
 * The caller's address as CloudTrail logs it: the first X-Forwarded-For address when a client sets one
 * (so a local client can stand in for a remote caller), else the peer's.
 */
export function sourceIp(req: IncomingMessage): string {
  const forwarded = header(req, 'x-forwarded-for')?.split(',')[0]?.trim()
  if (forwarded) return forwarded
  return (req.socket.remoteAddress ?? '127.0.0.1').replace(/^::ffff:/, '')
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
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
 * addressed to a path (`/<bucket>[/<key>]`) that no other service here uses (IAM, STS and the JSON
 * services post to `/`, Access Analyzer reads `/analyzer`, the admin endpoints are under `/__admin/`).
 */
export function isS3Request(req: IncomingMessage, url: URL): boolean {
  const service = signingScope(req)?.service
  if (service) return service === 's3'
  return (
    url.pathname !== '/' && !url.pathname.startsWith('/analyzer') && !url.pathname.startsWith('/__admin/')
  )
}

/** The JSON services served here, and Access Analyzer and Security Hub (REST-JSON). */
export type JsonService =
  | 'kms'
  | 'cloudtrail'
  | 'organizations'
  | 'events'
  | 'access-analyzer'
  | 'securityhub'

/** The X-Amz-Target prefix (the service's target name, with or without its namespace) of each JSON 1.1 service. */
const TARGETS: Readonly<Record<string, JsonService>> = {
  TrentService: 'kms',
  CloudTrail_20131101: 'cloudtrail',
  AWSOrganizationsV20161128: 'organizations',
  AWSEvents: 'events',
}

/**
 * The service and action an `X-Amz-Target` names (`AWSEvents.PutRule`; CloudTrail's long form
 * `com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101.DescribeTrails` too); undefined for a target
 * no service here answers.
 */
export function jsonTarget(target: string): { service: JsonService; action: string } | undefined {
  const dot = target.lastIndexOf('.')
  if (dot < 0) return undefined
  const service = TARGETS[target.slice(0, dot).split('.').at(-1) ?? '']
  return service ? { service, action: target.slice(dot + 1) } : undefined
}

/** Code, status and (when it changes) message, by the simulator's generic name. */
type Renames = Readonly<Record<string, [string, number, string?]>>

const UNRECOGNIZED: Renames = {
  InvalidClientTokenId: [
    'UnrecognizedClientException',
    400,
    'The security token included in the request is invalid.',
  ],
  MissingAuthenticationToken: ['UnrecognizedClientException', 400],
  ExpiredToken: ['ExpiredTokenException', 400],
}

/** How each service names the simulator's generic errors (credentials, throttling, faults). */
const RENAMES: Readonly<Record<JsonService | 's3', Renames>> = {
  kms: {
    ...UNRECOGNIZED,
    ServiceFailure: ['KMSInternalException', 500],
    Throttling: ['ThrottlingException', 400],
  },
  organizations: {
    ...UNRECOGNIZED,
    ServiceFailure: ['ServiceException', 500],
    Throttling: ['TooManyRequestsException', 400],
  },
  events: {
    ...UNRECOGNIZED,
    ServiceFailure: ['InternalException', 500],
    Throttling: ['ThrottlingException', 400],
  },
  // CloudTrail and Access Analyzer keep the status the simulator always gave an unknown key (403) and
  // their ServiceFailure (the scans name it); their throttling is ThrottlingException, as AWS names it.
  cloudtrail: {
    InvalidClientTokenId: ['UnrecognizedClientException', 403],
    MissingAuthenticationToken: ['UnrecognizedClientException', 403],
    ExpiredToken: ['ExpiredTokenException', 400],
    Throttling: ['ThrottlingException', 400],
  },
  'access-analyzer': {
    InvalidClientTokenId: ['UnrecognizedClientException', 403],
    MissingAuthenticationToken: ['UnrecognizedClientException', 403],
    ExpiredToken: ['ExpiredTokenException', 400],
    Throttling: ['ThrottlingException', 429],
  },
  // Security Hub (REST-JSON): throttling is LimitExceededException, HTTP 429, as its API reference says.
  securityhub: {
    InvalidClientTokenId: [
      'UnrecognizedClientException',
      403,
      'The security token included in the request is invalid.',
    ],
    MissingAuthenticationToken: ['MissingAuthenticationTokenException', 403],
    ExpiredToken: ['ExpiredTokenException', 403],
    ServiceFailure: ['InternalException', 500],
    Throttling: ['LimitExceededException', 429],
  },
  s3: {
    InvalidClientTokenId: [
      'InvalidAccessKeyId',
      403,
      'The AWS Access Key Id you provided does not exist in our records.',
    ],
    MissingAuthenticationToken: ['AccessDenied', 403, 'Access Denied'],
    ExpiredToken: ['ExpiredToken', 400, 'The provided token has expired.'],
    ServiceFailure: ['InternalError', 500],
    Throttling: ['SlowDown', 503, 'Please reduce your request rate.'],
  },
}

/** An error as the service names it: its credential, throttling and fault codes differ from IAM's. */
export function serviceError(service: JsonService | 's3', e: SimError): SimError {
  const r = RENAMES[service][e.code]
  return r ? new SimError(r[0], r[1], r[2] ?? e.message) : e
}
