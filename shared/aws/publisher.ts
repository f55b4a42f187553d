import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns'
import type { AlertMessage } from '../notify/message.ts'

/**
 * Publishes an alert: the readable text is the message body (email, chat), and the machine form travels
 * in the `detail` message attribute (JSON) beside the filterable attributes, so subscribers can route by
 * severity, check, account or transition and dedupe on transitionId.
 */
export async function publishAlert(sns: SNSClient, topicArn: string, alert: AlertMessage): Promise<string> {
  const attributes = { ...alert.attributes, detail: JSON.stringify(alert.json) }
  const out = await sns.send(
    new PublishCommand({
      TopicArn: topicArn,
      Subject: alert.subject,
      Message: alert.text,
      MessageAttributes: Object.fromEntries(
        Object.entries(attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
      ),
    }),
  )
  return out.MessageId ?? 'unknown'
}
