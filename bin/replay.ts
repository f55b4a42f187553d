import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import { processParsed } from '../shared/app/cloudtrail-events.ts'
import type { Log } from '../shared/app/log.ts'
import { documentClient } from '../shared/aws/clients.ts'
import { DynamoCounters } from '../shared/aws/counters.ts'
import { FindingsStore } from '../shared/aws/findings-store.ts'
import { parseCloudTrail } from '../shared/cloudtrail/input.ts'
import { detectionSettings, type IamwatchConfig } from '../shared/config/config.ts'
import { evaluateEvent } from '../shared/detections/evaluate.ts'
import { MemoryCounters } from '../shared/detections/thresholds.ts'

/** One line of `replay --json`. */
export interface ReplayLine {
  file: string
  eventId: string | null
  eventName: string | null
  detections: string[]
  rejected: string | null
}

const READABLE = /\.(json|jsonl|ndjson|gz)$/

export function filesUnder(path: string): string[] {
  if (!statSync(path).isDirectory()) return [path]
  return readdirSync(path, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile() && READABLE.test(d.name))
    .map((d) => join(d.parentPath, d.name))
    .sort()
}

/** Feeds every record through the detection engine, in file order, with empty threshold state. */
export async function replayOffline(path: string, config: IamwatchConfig): Promise<ReplayLine[]> {
  const settings = detectionSettings(config)
  const counters = new MemoryCounters()
  const lines: ReplayLine[] = []
  for (const file of filesUnder(path)) {
    const name = relative(statSync(path).isDirectory() ? path : '.', file) || file
    const parsed = parseCloudTrail(readFileSync(file))
    for (const r of parsed.rejections)
      lines.push({ file: name, eventId: null, eventName: null, detections: [], rejected: r.reason })
    for (const e of parsed.events) {
      const { fired } = await evaluateEvent(e, settings, counters)
      lines.push({
        file: name,
        eventId: e.eventId ?? null,
        eventName: e.eventName,
        detections: [...new Set(fired.map((f) => f.detection.id))],
        rejected: null,
      })
    }
  }
  return lines
}

/** The full handler path against a findings table (standard AWS configuration), file by file. */
export async function replayIntoTable(
  path: string,
  table: string,
  config: IamwatchConfig,
  log: Log,
): Promise<ReplayLine[]> {
  const db = documentClient()
  const deps = {
    store: new FindingsStore(db, table),
    counters: new DynamoCounters(db, table),
    config,
    region: process.env.AWS_REGION ?? 'us-east-1',
    log,
  }
  const lines: ReplayLine[] = []
  for (const file of filesUnder(path)) {
    const parsed = parseCloudTrail(readFileSync(file))
    const summary = await processParsed(parsed, deps)
    for (const r of parsed.rejections)
      lines.push({ file, eventId: null, eventName: null, detections: [], rejected: r.reason })
    for (const { event, fired } of summary.perEvent) {
      lines.push({
        file,
        eventId: event.eventId ?? null,
        eventName: event.eventName,
        detections: [...new Set(fired.map((f) => f.detectionId))],
        rejected: null,
      })
    }
  }
  return lines
}
