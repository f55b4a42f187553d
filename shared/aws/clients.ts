import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { IAMClient } from '@aws-sdk/client-iam'
import { SNSClient } from '@aws-sdk/client-sns'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'
import type { DeserializeMiddleware, HttpRequest, HttpResponse, MiddlewareStack } from '@smithy/types'

/**
 * Client factories. They pass no endpoint and no credentials: region, profile, AWS_ENDPOINT_URL and
 * AWS_ENDPOINT_URL_<SERVICE> all come from the SDK's standard configuration chain. `overrides` exists
 * for tests and tools that must point one client somewhere explicitly.
 */
export interface ClientOverrides {
  endpoint?: string
  region?: string
  maxAttempts?: number
}

const base = (o: ClientOverrides) => ({
  ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  ...(o.region ? { region: o.region } : {}),
  maxAttempts: o.maxAttempts ?? 5,
})

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

/** What `awsClient` needs of an SDK client. */
type SdkClient = {
  config: { serviceId: string }
  middlewareStack: Pick<MiddlewareStack<object, object>, 'add'>
}

/** Builds an SDK client from the overrides; it fails clearly, and once, on an endpoint that is not AWS. */
export function awsClient<C extends SdkClient>(
  Client: new (config: ReturnType<typeof base>) => C,
  name: string,
  o: ClientOverrides,
): C {
  const client = new Client(base(o))
  client.middlewareStack.add(answeredAsAws(name, client.config.serviceId), {
    name: 'answeredAsAws',
    step: 'deserialize',
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

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export { mapLimit } from '../engine/limit.ts'
