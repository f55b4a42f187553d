/** The Lambda functions, by name: their entry file, and what each one needs. Shared by the stack, the build and the bench. */
export const FUNCTIONS = {
  'scan-credentials': { entry: 'functions/scan-credentials.ts', timeoutSeconds: 300, memoryMb: 512 },
  notify: { entry: 'functions/notify.ts', timeoutSeconds: 60, memoryMb: 256 },
  'scan-authorization': { entry: 'functions/scan-authorization.ts', timeoutSeconds: 600, memoryMb: 1024 },
  'scan-trails': { entry: 'functions/scan-trails.ts', timeoutSeconds: 120, memoryMb: 256 },
  'on-cloudtrail-event': { entry: 'functions/on-cloudtrail-event.ts', timeoutSeconds: 30, memoryMb: 512 },
  // Lambda's whole 15 minutes: each hourly run carries the day's cycle on from its checkpoint.
  'scan-access-advisor': { entry: 'functions/scan-access-advisor.ts', timeoutSeconds: 900, memoryMb: 1024 },
  // Hourly: the signed digest of the findings history (stacks/evidence.ts).
  digest: { entry: 'functions/digest.ts', timeoutSeconds: 300, memoryMb: 512 },
  // A batch of up to 100 calls made with long-term access keys, from the key-activity queue: the events are
  // parsed and judged in memory, each key's baseline is read (and written only when a network is new or moved)
  // in parallel, and a finding is recorded only for a new network, so a full batch takes a second or two, and
  // a batch of 100 findings (a new key's burst) about 5 s: 60 s leaves room for DynamoDB and KMS throttling
  // retries, and keeps the queue's visibility timeout (6x the function's, stacks/data.ts) at 6 minutes.
  // 512 MB: up to 6 MB of events (Lambda's payload limit) parsed at once, and the CPU share that comes with it.
  'on-key-activity': { entry: 'functions/on-key-activity.ts', timeoutSeconds: 60, memoryMb: 512 },
  // Only with an organization (stacks/organization.ts). The dispatcher discovers the accounts, probes each
  // through its reader role and sends one scan request per member account; scan-account scans one member
  // account per message of the account-scans queue (whose visibility timeout is 6x this timeout).
  'org-dispatch': { entry: 'functions/org-dispatch.ts', timeoutSeconds: 900, memoryMb: 1024 },
  'scan-account': { entry: 'functions/scan-account.ts', timeoutSeconds: 900, memoryMb: 1024 },
  // Every 5 minutes (stacks/alerts.ts): flushes the grouped follow-ups of repeated occurrences whose window
  // closed and escalates the unacknowledged critical findings, a few queries and publishes a run: 60 s is
  // ample and keeps a stuck run from overlapping the next one for long.
  'alerts-tick': { entry: 'functions/alerts-tick.ts', timeoutSeconds: 60, memoryMb: 256 },
  // Once a day at the configured time (stacks/alerts.ts): reads the open findings through the table's
  // indexes and publishes one digest message to the alerts topic.
  'daily-digest': { entry: 'functions/daily-digest.ts', timeoutSeconds: 300, memoryMb: 512 },
} as const

export type FunctionName = keyof typeof FUNCTIONS
