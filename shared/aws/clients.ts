import { DynamoDBClient } from '@aws-sdk/client-dynamodb'
import { IAMClient } from '@aws-sdk/client-iam'
import { SNSClient } from '@aws-sdk/client-sns'
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb'

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

export const base = (o: ClientOverrides) => ({
  ...(o.endpoint ? { endpoint: o.endpoint } : {}),
  ...(o.region ? { region: o.region } : {}),
  maxAttempts: o.maxAttempts ?? 5,
})

export function iamClient(o: ClientOverrides = {}): IAMClient {
  return new IAMClient(base(o))
}

export function snsClient(o: ClientOverrides = {}): SNSClient {
  return new SNSClient(base(o))
}

export function documentClient(o: ClientOverrides = {}): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(new DynamoDBClient(base(o)), {
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

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length)
  let next = 0
  const worker = async () => {
    while (next < items.length) {
      const i = next++
      results[i] = await fn(items[i]!)
    }
  }
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker))
  return results
}
