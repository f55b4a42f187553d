import { SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import type { AccountScanRequest } from '../organization/model.ts'
import { awsClient, type ClientOverrides } from './clients.ts'

export function sqsClient(o: ClientOverrides = {}): SQSClient {
  return awsClient(SQSClient, 'SQS', o)
}

/**
 * Sends the account-scan requests, ten per SendMessageBatch; entries SQS did not take are sent again
 * (three tries), then the dispatch fails naming them: a request is never dropped silently.
 */
export async function sendScanRequests(
  sqs: SQSClient,
  queueUrl: string,
  requests: readonly AccountScanRequest[],
): Promise<number> {
  let sent = 0
  for (let i = 0; i < requests.length; i += 10) {
    let batch = requests
      .slice(i, i + 10)
      .map((r, n) => ({ Id: String(n), MessageBody: JSON.stringify(r), request: r }))
    for (let attempt = 1; batch.length > 0; attempt++) {
      const out = await sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map(({ Id, MessageBody }) => ({ Id, MessageBody })),
        }),
      )
      sent += out.Successful?.length ?? 0
      const failed = new Set((out.Failed ?? []).map((f) => f.Id))
      batch = batch.filter((b) => failed.has(b.Id))
      if (batch.length > 0 && attempt >= 3)
        throw new Error(
          `account-scan requests not queued: ${batch.map((b) => b.request.accountId).join(', ')}`,
        )
    }
  }
  return sent
}
