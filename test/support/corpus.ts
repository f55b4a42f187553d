import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** The labelled CloudTrail corpus beside the repository (../shared), when present. */
export const CORPUS_DIR = join(process.cwd(), '..', 'shared', 'corpus', 'cloudtrail')
export const corpusPresent = existsSync(join(CORPUS_DIR, 'labels.json'))
if (!corpusPresent) console.warn(`corpus tests skipped: ${CORPUS_DIR} is absent`)

export interface Label {
  file: string
  eventSource: string
  eventName: string
  identityType: string
  expect: string[]
  counts: string[]
  parse: 'ok' | 'odd'
  note: string
}

export const labels: Label[] = corpusPresent
  ? JSON.parse(readFileSync(join(CORPUS_DIR, 'labels.json'), 'utf8'))
  : []
export const corpusFile = (file: string) => readFileSync(join(CORPUS_DIR, file))
