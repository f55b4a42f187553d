/** A CloudTrail record, normalized once: what detections read. Raw shapes vary; this does not. */
export interface Identity {
  type?: string
  principalId?: string
  arn?: string
  accountId?: string
  userName?: string
  invokedBy?: string
  accessKeyId?: string
  /** For role sessions: the role (or user) that issued the session. */
  issuer?: { type?: string; arn?: string; accountId?: string; userName?: string }
  mfaAuthenticated?: boolean
}

export interface CloudTrailEvent {
  /** The eventID, or when a record has none a hash of its content: deliveries of one event share it. */
  eventKey: string
  eventId?: string
  eventName: string
  eventSource: string
  /** Parsed from ISO 8601 or the "YYYY-MM-DD hh:mm:ss[.fff]" data-lake form; undefined when unreadable. */
  eventTime?: Date
  eventType?: string
  eventCategory?: string
  awsRegion?: string
  sourceIp?: string
  userAgent?: string
  errorCode?: string
  errorMessage?: string
  recipientAccountId?: string
  readOnly?: boolean
  identity: Identity
  /** The documents as read (shared empty objects when absent: read them, never write them). */
  requestParameters: Readonly<Record<string, unknown>>
  responseElements: Readonly<Record<string, unknown>>
  additionalEventData: Readonly<Record<string, unknown>>
  /** How the record arrived: the EventBridge detail-type when it came in an envelope. */
  detailType?: string
}
