import { randomUUID } from 'node:crypto'
import { buildApp } from 'fauxqs'

export interface LocalSnsSqs {
  endpoint: string
  stop(): Promise<void>
}

/** fauxqs in-process, bound to 127.0.0.1 on a free port (its CLI would bind every interface). */
export async function startFauxqs(): Promise<LocalSnsSqs> {
  const app = buildApp({ logger: false, host: '127.0.0.1', defaultRegion: 'us-east-1' })
  app.addHook('preHandler', async (request, reply) => {
    const error = applyMessageStructure(request.body)
    if (error) return reply.status(400).header('content-type', 'text/xml').send(snsError(error))
  })
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const url = new URL(address)
  return { endpoint: `http://127.0.0.1:${url.port}`, stop: () => app.close() }
}

/** SNS's limit for one message and its attributes, in bytes. */
const SNS_MAX_BYTES = 262_144

/**
 * fauxqs (2.4) ignores `MessageStructure`: it would deliver the whole per-protocol JSON object as the
 * message to every SQS subscriber. SNS instead checks the object (valid JSON, a string `default`) and
 * delivers to an SQS subscriber the `sqs` entry, or `default` when there is none. fauxqs only delivers
 * to SQS subscribers, so a Publish with `MessageStructure=json` is checked here and its message
 * replaced by what SNS would deliver to SQS, before fauxqs handles it; the size check is made on the
 * whole published message, as SNS makes it. Returns the error SNS would return, if any.
 */
export function applyMessageStructure(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined
  const params = body as Record<string, string | undefined>
  if (params.Action !== 'Publish' || params.MessageStructure === undefined) return undefined
  if (params.MessageStructure !== 'json') return 'Invalid parameter: MessageStructure'
  let parsed: unknown
  try {
    parsed = JSON.parse(params.Message ?? '')
  } catch {
    return 'Invalid parameter: Message Structure - JSON message body failed to parse'
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed))
    return 'Invalid parameter: Message Structure - JSON message body failed to parse'
  const structure = parsed as Record<string, unknown>
  if (typeof structure.default !== 'string')
    return 'Invalid parameter: Message Structure - No default entry in JSON message body'
  for (const [protocol, value] of Object.entries(structure))
    if (typeof value !== 'string') return `Invalid parameter: Message Structure - ${protocol} is not a string`
  let bytes = Buffer.byteLength(params.Message ?? '', 'utf8')
  for (const [key, value] of Object.entries(params))
    if (/^MessageAttributes\.entry\.\d+\.(Name|Value\.DataType|Value\.StringValue)$/.test(key))
      bytes += Buffer.byteLength(value ?? '', 'utf8')
  if (bytes > SNS_MAX_BYTES)
    return `Invalid parameter: Message too long. Message must be shorter than ${SNS_MAX_BYTES} bytes.`
  params.Message = (structure.sqs as string | undefined) ?? structure.default
  delete params.MessageStructure
  return undefined
}

const xmlText = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function snsError(message: string): string {
  return `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>InvalidParameter</Code><Message>${xmlText(message)}</Message></Error><RequestId>${randomUUID()}</RequestId></ErrorResponse>`
}
