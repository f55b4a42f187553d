import { PublishCommand, type PublishCommandInput, type SNSClient } from '@aws-sdk/client-sns'
import type { AlertMessage } from '../notify/message.ts'
import { snsAlertMessage } from '../notify/sns-message.ts'

/**
 * The Publish request of an alert: one publish with `MessageStructure: 'json'`, a body per protocol
 * (`default` the machine JSON, for SQS, Lambda and other programs; `email` the readable text; `https` the
 * AWS Chatbot card for Slack and Teams; `sms` the subject; see snsAlertMessage), the subject, and the
 * filterable attributes beside the `detail` attribute (JSON), so subscribers can route by severity,
 * check, account or transition and dedupe on transitionId. Always within SNS's 256 KB.
 */
export function publishInput(topicArn: string, alert: AlertMessage): PublishCommandInput {
  const m = snsAlertMessage(alert)
  return {
    TopicArn: topicArn,
    Subject: m.subject,
    MessageStructure: 'json',
    Message: m.message,
    MessageAttributes: Object.fromEntries(
      Object.entries(m.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }]),
    ),
  }
}

/** Publishes an alert (see publishInput); resolves with the message id. */
export async function publishAlert(sns: SNSClient, topicArn: string, alert: AlertMessage): Promise<string> {
  const out = await sns.send(new PublishCommand(publishInput(topicArn, alert)))
  return out.MessageId ?? 'unknown'
}
