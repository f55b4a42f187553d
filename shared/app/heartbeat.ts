import type { ScanPart } from './scan.ts'

/** The namespace and metric of the heartbeat: one datapoint per scheduled scan that ran to its end. */
export const HEARTBEAT = { namespace: 'iamwatch', metric: 'ScanFinished', degraded: 'ScanDegraded' } as const

/**
 * A CloudWatch embedded-metric-format (EMF) record saying a scan part finished, complete or degraded.
 * CloudWatch Logs turns it into the metric the heartbeat alarm watches; a part that did not run, or
 * died before its end, sends nothing, and the alarm treats missing data as breaching.
 */
export function heartbeatRecord(
  part: ScanPart | 'digest',
  functionName: string,
  degraded: boolean,
  at: Date,
) {
  return {
    _aws: {
      Timestamp: at.getTime(),
      CloudWatchMetrics: [
        {
          Namespace: HEARTBEAT.namespace,
          Dimensions: [['FunctionName', 'Part']],
          Metrics: [
            { Name: HEARTBEAT.metric, Unit: 'Count' },
            { Name: HEARTBEAT.degraded, Unit: 'Count' },
          ],
        },
      ],
    },
    FunctionName: functionName,
    Part: part,
    [HEARTBEAT.metric]: 1,
    [HEARTBEAT.degraded]: degraded ? 1 : 0,
  }
}

/**
 * Written to stdout directly, one line: Lambda's JSON log format wraps console output in its own
 * record, which would hide `_aws` from the EMF extraction (why AWS's EMF library writes to stdout too).
 */
export const stdoutLine = (line: string) => void process.stdout.write(`${line}\n`)
