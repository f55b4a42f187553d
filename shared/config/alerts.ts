import * as v from 'valibot'
import { SEVERITIES } from '../model/severity.ts'

/**
 * `alerts`: where alerts go and how often. Routes (which alerts reach which email addresses), the chat
 * channels AWS Chatbot posts to, grouping of repeated occurrences, the daily digest, escalation of
 * unacknowledged critical findings, and the optional Security Hub import. Validated here; the stack turns
 * routes into SNS subscription filter policies (shared/notify/routes.ts) and creates the Chatbot resources.
 */

const Name = v.pipe(
  v.string(),
  v.regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/, 'must be letters, digits and dashes (at most 40)'),
)
const Email = v.pipe(v.string(), v.trim(), v.email('must be an email address'), v.maxLength(254))
const AccountId = v.pipe(v.string(), v.regex(/^\d{12}$/, 'must be a 12-digit account id'))
/** An OU path as iamwatch writes it on alerts (`ouPath`): OU names from the root, `/`-separated (`Root/Workloads/Prod`). */
const OuPath = v.pipe(
  v.string(),
  v.minLength(1),
  v.maxLength(200),
  v.regex(/^[^\u0000-\u001f]+$/, 'must be one line'),
)
const Id = v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{1,80}$/, 'must be a check or detection id'))
const SnsTopicArn = v.pipe(
  v.string(),
  v.regex(/^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[A-Za-z0-9_-]{1,256}$/, 'must be an SNS topic ARN'),
)

/**
 * A route: which alerts (all conditions must hold; an absent one matches everything) go to which email
 * addresses. `kind`: `detection` (real-time, from CloudTrail) or `posture` (from the scans).
 */
export const RouteSchema = v.strictObject({
  name: Name,
  minSeverity: v.optional(v.picklist(SEVERITIES)),
  checks: v.optional(v.pipe(v.array(Id), v.minLength(1), v.maxLength(100))),
  accounts: v.optional(v.pipe(v.array(AccountId), v.minLength(1), v.maxLength(100))),
  /** Organizational units: an account whose OU path starts with one of these (the OU and those below it). */
  ous: v.optional(v.pipe(v.array(OuPath), v.minLength(1), v.maxLength(20))),
  kind: v.optional(v.picklist(['detection', 'posture'])),
  /**
   * Also send the daily digest to this route's addresses. The digest covers every account: by default
   * a route gets it unless it is limited to accounts or OUs.
   */
  digest: v.optional(v.boolean()),
  email: v.pipe(v.array(Email), v.minLength(1, 'a route needs at least one email address'), v.maxLength(50)),
})
export type Route = v.InferOutput<typeof RouteSchema>

const SlackChannel = v.strictObject({
  /** The configuration's name (Chatbot: letters, digits, - and _). */
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be letters, digits, - and _')),
  /** The Slack workspace (team) id, authorized once in the Chatbot console: T followed by letters and digits. */
  workspaceId: v.pipe(
    v.string(),
    v.regex(/^[0-9A-Z]{1,255}$/, 'must be a Slack workspace id (e.g. T0123ABCD)'),
  ),
  channelId: v.pipe(
    v.string(),
    v.regex(/^[A-Za-z0-9]{1,255}$/, 'must be a Slack channel id (e.g. C0123ABCD)'),
  ),
})
const Guid = v.pipe(
  v.string(),
  v.regex(/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/, 'must be a GUID'),
)
const TeamsChannel = v.strictObject({
  name: v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{1,100}$/, 'must be letters, digits, - and _')),
  tenantId: Guid,
  teamId: Guid,
  /** The channel id from the channel's link (e.g. 19:abc...@thread.tacv2). */
  channelId: v.pipe(v.string(), v.regex(/^[^\s]{1,255}$/, 'must be a Teams channel id')),
})

const HHMM = v.pipe(v.string(), v.regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a time HH:MM (24-hour)'))
const TimeZone = v.pipe(
  v.string(),
  v.check((z) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: z })
      return true
    } catch {
      return false
    }
  }, 'must be an IANA time zone (e.g. Europe/Berlin)'),
)

export const AlertsSchema = v.strictObject({
  routes: v.optional(v.pipe(v.array(RouteSchema), v.maxLength(50)), []),
  /** Chat channels AWS Chatbot posts every alert to (the stack creates the channel configurations). */
  slack: v.optional(v.array(SlackChannel), []),
  teams: v.optional(v.array(TeamsChannel), []),
  /**
   * Repeated occurrences of an open detection finding: the first alerts; later ones within `windowMinutes`
   * of the previous one, or in the same session, are grouped into one follow-up alert, sent once the
   * occurrences stop for `windowMinutes` (or at the latest `maxGroupMinutes` after the first).
   */
  grouping: v.optional(
    v.strictObject({
      windowMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1440)), 15),
      maxGroupMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(1440)), 120),
    }),
    {},
  ),
  /** The daily digest, at `time` in `timeZone`. */
  digest: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean(), true),
      time: v.optional(HHMM, '08:00'),
      timeZone: v.optional(TimeZone, 'UTC'),
      /** How many of the oldest open critical findings it lists. */
      oldestCritical: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(50)), 10),
    }),
    {},
  ),
  /**
   * A critical finding not acknowledged (`iamwatch ack`) or resolved within `afterMinutes` is published
   * again, once, to the stack's escalation topic: subscribe a pager there (`topicArn`, an existing topic,
   * gets the same publish too), or `email`.
   */
  escalation: v.optional(
    v.strictObject({
      enabled: v.optional(v.boolean(), true),
      afterMinutes: v.optional(v.pipe(v.number(), v.integer(), v.minValue(5), v.maxValue(1440)), 30),
      email: v.optional(v.array(Email), []),
      topicArn: v.optional(SnsTopicArn),
    }),
    {},
  ),
  /** Import findings into AWS Security Hub (ASFF) as they transition; off by default. */
  securityHub: v.optional(v.strictObject({ enabled: v.optional(v.boolean(), false) }), {}),
})
export type AlertsConfig = v.InferOutput<typeof AlertsSchema>
