import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { IAMClient } from '@aws-sdk/client-iam'
import { SecurityHubClient } from '@aws-sdk/client-securityhub'
import { SNSClient } from '@aws-sdk/client-sns'
import { DynamoDBDocumentClient, type PutCommand, type UpdateCommand } from '@aws-sdk/lib-dynamodb'
import type {
  AwsCredentialIdentity,
  AwsCredentialIdentityProvider,
  DeserializeMiddleware,
  HttpRequest,
  HttpResponse,
  InitializeMiddleware,
  MiddlewareStack,
} from '@smithy/types'

/**
 * Client factories. They pass no endpoint and no credentials: region, profile, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> all come from the SDK's standard configuration chain. `overrides` exists
 * for tests and tools that must point one client somewhere explicitly.
 */
export interface ClientOverrides {
  endpoint?: string
  region?: string
  maxAttempts?: number
  /** Sees every call as it ends, after its retries (the CLI's progress). */
  onCall?: CallObserver
  /** Credentials other than the standard chain's: another account's, through its reader role. */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider
}

/** One finished SDK call: what it was, how long it took, and its output or its error. */
export interface CallEvent {
  service: string
  operation: string
  ms: number
  output?: unknown
  error?: unknown
}
export type CallObserver = (call: CallEvent) => void

/**
 * How long a call may wait, and how often it is tried: connecting, then the first byte of the answer
 * (and, while the answer streams, between two bytes), per attempt, in the SDK's standard retry mode
 * (exponential backoff with full jitter). A silent endpoint fails after about
 * maxAttempts x requestTimeoutMs: 45 s by default.
 */
export interface TransportSettings {
  connectTimeoutMs: number
  requestTimeoutMs: number
  maxAttempts: number
}

export const TRANSPORT_DEFAULTS: TransportSettings = {
  connectTimeoutMs: 3000,
  requestTimeoutMs: 15_000,
  maxAttempts: 3,
}

const TRANSPORT_ENV = {
  connectTimeoutMs: 'IAMWATCH_CONNECT_TIMEOUT_MS',
  requestTimeoutMs: 'IAMWATCH_REQUEST_TIMEOUT_MS',
  maxAttempts: 'IAMWATCH_MAX_ATTEMPTS',
} as const

/** The transport settings from IAMWATCH_CONNECT_TIMEOUT_MS, IAMWATCH_REQUEST_TIMEOUT_MS, IAMWATCH_MAX_ATTEMPTS. */
export function transportSettings(env: NodeJS.ProcessEnv = process.env): TransportSettings {
  const read = (key: keyof TransportSettings): number => {
    const name = TRANSPORT_ENV[key]
    const text = env[name]
    if (text === undefined || text === '') return TRANSPORT_DEFAULTS[key]
    const value = Number(text)
    const whole = key === 'maxAttempts'
    if (
      !/^\s*[0-9.e+]+\s*$/i.test(text) ||
      !Number.isFinite(value) ||
      value <= 0 ||
      (whole && !Number.isInteger(value))
    )
      throw new Error(
        `${name} must be ${whole ? 'a whole number of attempts, at least 1' : 'a positive number of milliseconds'}, not "${text}"`,
      )
    return value
  }
  return {
    connectTimeoutMs: read('connectTimeoutMs'),
    requestTimeoutMs: read('requestTimeoutMs'),
    maxAttempts: read('maxAttempts'),
  }
}

/** What every client is constructed with (the request handler's options, given as options: the SDK builds it). */
export function clientConfig(o: ClientOverrides, t: TransportSettings = transportSettings()) {
  return {
    ...(o.endpoint ? { endpoint: o.endpoint } : {}),
    ...(o.region ? { region: o.region } : {}),
    ...(o.credentials ? { credentials: o.credentials } : {}),
    maxAttempts: o.maxAttempts ?? t.maxAttempts,
    retryMode: 'standard',
    requestHandler: {
      connectionTimeout: t.connectTimeoutMs,
      // To the first byte of the answer; without throwOnRequestTimeout the SDK only warns.
      requestTimeout: t.requestTimeoutMs,
      throwOnRequestTimeout: true,
      // Between two bytes of an answer that has started.
      socketTimeout: t.requestTimeoutMs,
    },
  }
}

/** An endpoint answered, but not as AWS would: a wrong endpoint, so not worth retrying. */
export class EndpointError extends Error {
  override name = 'EndpointError'
}

const isWebPage = (res: HttpResponse) => /^text\/html\b/i.test(res.headers['content-type'] ?? '')

/** What a failed call may carry: the raw answer, and AWS's fault and metadata when the SDK could read it. */
type Failure = { $response?: HttpResponse; $fault?: string; $metadata?: unknown }

/**
 * Fails a call once, naming the service and the endpoint, when the answer is a web page or something
 * the SDK could not read (an error without `$fault`, thrown while deserializing). AWS's errors pass as they are.
 */
function answeredAsAws(name: string, serviceId: string): DeserializeMiddleware<object, object> {
  const env = `AWS_ENDPOINT_URL_${serviceId.toUpperCase().replaceAll(' ', '_')}`
  return (next) => async (args) => {
    const notAws = (res: HttpResponse, cause?: Failure) => {
      const { protocol, hostname, port } = args.request as HttpRequest
      const type = res.headers['content-type']?.split(';')[0] ?? 'no content type'
      // The retry decider reads the cause too: its HTTP status would make a 5xx page retryable.
      delete cause?.$metadata
      return new EndpointError(
        `${name} at ${protocol}//${hostname}${port ? `:${port}` : ''} did not answer as AWS would ` +
          `(HTTP ${res.statusCode}, ${type}): is ${env} right?`,
        { cause },
      )
    }
    const result = await next(args).catch((err: Failure) => {
      const res = err.$response
      throw res && (!err.$fault || isWebPage(res)) ? notAws(res, err) : err
    })
    if (isWebPage(result.response as HttpResponse)) throw notAws(result.response as HttpResponse)
    return result
  }
}

/** The Node.js error codes of an endpoint that cannot be reached at all. */
const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ETIMEDOUT',
])

/** What a failed call may carry once the retries are over. */
type FinalFailure = Failure & { name?: string; code?: string; message?: string }

/**
 * Outside the retries: a call whose every attempt timed out or found nobody listening fails naming the
 * service, the endpoint, the attempts and the setting to change. AWS's own errors pass as they are.
 */
function namedFailure(
  name: string,
  serviceId: string,
  t: TransportSettings,
  onCall?: CallObserver,
): InitializeMiddleware<object, object> {
  const env = `AWS_ENDPOINT_URL_${serviceId.toUpperCase().replaceAll(' ', '_')}`
  return (next, context) => async (args) => {
    const started = Date.now()
    const operation = String((context as { commandName?: string }).commandName ?? '').replace(/Command$/, '')
    let result: Awaited<ReturnType<typeof next>>
    try {
      result = await next(args)
    } catch (err) {
      const e = err as FinalFailure
      const failure = !e || e.$response || e.$fault || e.name === 'EndpointError' ? err : unreached(e)
      onCall?.({ service: name, operation, ms: Date.now() - started, error: failure })
      throw failure
    }
    onCall?.({ service: name, operation, ms: Date.now() - started, output: result.output })
    return result
    function unreached(e: FinalFailure): unknown {
      const url = (context as { endpointV2?: { url?: URL } }).endpointV2?.url
      const where = url ? `${url.protocol}//${url.host}` : 'its endpoint'
      const attempts = (e.$metadata as { attempts?: number } | undefined)?.attempts ?? 1
      const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`
      const message = e.message ?? ''
      if (e.name === 'TimeoutError' && /establish a connection/.test(message))
        return new EndpointError(
          `${name} at ${where} did not accept a connection within ${t.connectTimeoutMs} ms (${tries}; IAMWATCH_CONNECT_TIMEOUT_MS)`,
          { cause: e },
        )
      if (e.name === 'TimeoutError' && /requestTimeout|inactivity/.test(message))
        return new EndpointError(
          `${name} at ${where} did not answer within ${t.requestTimeoutMs} ms (${tries}; IAMWATCH_REQUEST_TIMEOUT_MS)`,
          { cause: e },
        )
      if (e.code && UNREACHABLE.has(e.code))
        return new EndpointError(
          `${name} at ${where} could not be reached (${e.code}, ${tries}): is ${env} right?`,
          {
            cause: e,
          },
        )
      return e
    }
  }
}

/** What `awsClient` needs of an SDK client. */
type SdkClient = {
  config: { serviceId: string }
  middlewareStack: Pick<MiddlewareStack<object, object>, 'add'>
}

/**
 * Builds an SDK client from the overrides, with the transport settings: it fails clearly, and once, on
 * an endpoint that is not AWS, and names the service and the endpoint when no answer comes.
 */
export function awsClient<C extends SdkClient>(
  Client: new (config: ReturnType<typeof clientConfig>) => C,
  name: string,
  o: ClientOverrides,
): C {
  const t = transportSettings()
  const client = new Client(clientConfig(o, t))
  client.middlewareStack.add(answeredAsAws(name, client.config.serviceId), {
    name: 'answeredAsAws',
    step: 'deserialize',
    priority: 'high',
  })
  client.middlewareStack.add(namedFailure(name, client.config.serviceId, t, o.onCall), {
    name: 'namedFailure',
    step: 'initialize',
    priority: 'high',
  })
  return client
}

export function iamClient(o: ClientOverrides = {}): IAMClient {
  return awsClient(IAMClient, 'IAM', o)
}

export function snsClient(o: ClientOverrides = {}): SNSClient {
  return awsClient(SNSClient, 'SNS', o)
}

/** Security Hub (AWS_ENDPOINT_URL_SECURITYHUB): the optional import of findings (shared/aws/security-hub.ts). */
export function securityHubClient(o: ClientOverrides = {}): SecurityHubClient {
  return awsClient(SecurityHubClient, 'Security Hub', o)
}

export function documentClient(o: ClientOverrides = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(awsClient(DynamoDBClient, 'DynamoDB', o), {
    marshallOptions: { removeUndefinedValues: true },
  })
}

/** The AWS error code of a failed call, whatever shape the SDK gave it. */
export function errorCode(err: unknown): string {
  const e = err as { name?: string; Code?: string; code?: string }
  return e?.Code ?? e?.name ?? e?.code ?? 'Unknown'
}

/** Did a DynamoDB write fail its condition (the item was not as the write expected)? */
export function isConditionFailure(err: unknown): boolean {
  return errorCode(err) === 'ConditionalCheckFailedException'
}

/** Sends a conditional write: true when it was made, false when its condition failed; other errors thrown. */
export async function writeIf(
  db: DynamoDBDocumentClient,
  command: PutCommand | UpdateCommand,
): Promise<boolean> {
  try {
    // One of two commands: the client's send takes each, not their union.
    await db.send(command as PutCommand)
    return true
  } catch (err) {
    if (isConditionFailure(err)) return false
    throw err
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export { mapLimit } from '../engine/limit.ts'
