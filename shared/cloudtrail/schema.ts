import { type TSchema, Type } from '@sinclair/typebox'
import { MAX_TEXT } from './schema-limits.ts'

/**
 * The tolerant CloudTrail record schema (TypeBox). Required: eventName and eventSource, as names.
 * Everything else is optional and may come in the odd shapes real pipelines produce: strings for
 * booleans, numbers for account ids, JSON documents as strings, non-ISO times. Strings are bounded, so
 * absurd sizes are rejected. It is compiled at build time (scripts/gen-validators.ts) into
 * record-check.generated.ts, so the hot path runs JIT-style code without shipping the compiler.
 */
const text = Type.Union([Type.String({ maxLength: MAX_TEXT }), Type.Number(), Type.Null()], {
  description: `a string of at most ${MAX_TEXT} characters, a number or null`,
})
const doc = Type.Union([Type.Object({}), Type.Array(Type.Unknown()), Type.String(), Type.Null()], {
  description: 'an object, an array, a JSON string or null',
})

export const RECORD_FIELDS: Record<string, TSchema> = {
  eventName: Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^[A-Za-z0-9_.:-]+$',
    description: 'a name of 1 to 128 characters [A-Za-z0-9_.:-]',
  }),
  eventSource: Type.String({
    minLength: 1,
    maxLength: 128,
    pattern: '^[a-z0-9.-]+$',
    description: 'a service host of 1 to 128 characters [a-z0-9.-]',
  }),
  eventID: text,
  eventTime: text,
  eventType: text,
  eventCategory: text,
  awsRegion: text,
  sourceIPAddress: text,
  userAgent: text,
  errorCode: text,
  errorMessage: text,
  recipientAccountId: text,
  readOnly: Type.Union([Type.Boolean(), Type.String(), Type.Null()], {
    description: 'a boolean, a string or null',
  }),
  userIdentity: Type.Union([Type.Object({}), Type.Null()], { description: 'an object or null' }),
  requestParameters: doc,
  responseElements: doc,
  additionalEventData: doc,
}
export const REQUIRED_FIELDS = ['eventName', 'eventSource'] as const

export const RecordSchema = Type.Object(
  Object.fromEntries(
    Object.entries(RECORD_FIELDS).map(([k, s]) => [
      k,
      (REQUIRED_FIELDS as readonly string[]).includes(k) ? s : Type.Optional(s),
    ]),
  ),
)
