import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'

/** Where the labelled CloudTrail corpora live: ../shared beside the repository, when present. */
const CORPORA_DIR = join(process.cwd(), '..', 'shared', 'corpus')

export interface Label {
  file: string
  eventSource: string
  eventName: string
  identityType: string
  expect: string[]
  counts: string[]
  parse: 'ok' | 'odd'
  note: string
  /** B2 only: `cloudtrail/<file>`, the first-corpus label this one replaces when both corpora are tested. */
  supersedes?: string
}

/** One labelled corpus: its folder, whether it is there, and its labels (none when absent). */
export interface Corpus {
  name: string
  dir: string
  present: boolean
  labels: Label[]
}

function openCorpus(name: string): Corpus {
  const dir = join(CORPORA_DIR, name)
  const present = existsSync(join(dir, 'labels.json'))
  if (!present) console.warn(`corpus tests skipped for ${name}: ${dir} is absent`)
  const labels: Label[] = present ? JSON.parse(readFileSync(join(dir, 'labels.json'), 'utf8')) : []
  return { name, dir, present, labels }
}

/** The first corpus (catalog section B) and the B2 corpus. */
export const FIRST_CORPUS = openCorpus('cloudtrail')
export const B2_CORPUS = openCorpus('cloudtrail-b2')
export const CORPORA: readonly Corpus[] = [FIRST_CORPUS, B2_CORPUS]

/** A label as judged: which corpus it comes from, its id (`<corpus>/<file>`) and the path of its record. */
export interface JudgedLabel extends Label {
  corpus: string
  id: string
  path: string
}

const judged = (corpus: Corpus, label: Label): JudgedLabel => ({
  ...label,
  corpus: corpus.name,
  id: `${corpus.name}/${label.file}`,
  path: join(corpus.dir, label.file),
})

/**
 * The labels of every corpus present, each record once: a first-corpus label that a B2 entry supersedes is
 * replaced by that entry (whose record is read from the B2 folder). Supersedes only apply when both are present.
 */
export const judgedLabels: readonly JudgedLabel[] = (() => {
  const superseded = new Set(
    FIRST_CORPUS.present ? B2_CORPUS.labels.flatMap((l) => (l.supersedes ? [l.supersedes] : [])) : [],
  )
  return [
    ...FIRST_CORPUS.labels.map((l) => judged(FIRST_CORPUS, l)).filter((l) => !superseded.has(l.id)),
    ...B2_CORPUS.labels.map((l) => judged(B2_CORPUS, l)),
  ]
})()

export const anyCorpusPresent = CORPORA.some((c) => c.present)

/** The bytes of a judged label's record. */
export const recordOf = (label: JudgedLabel) => readFileSync(label.path)
/** The bytes of one record of a corpus. */
export const corpusRecord = (corpus: Corpus, file: string) => readFileSync(join(corpus.dir, file))

// The first corpus alone, as the EventBridge rule tests read it.
/** The first corpus's folder. */
export const CORPUS_DIR = FIRST_CORPUS.dir
export const corpusPresent = FIRST_CORPUS.present
export const labels: Label[] = FIRST_CORPUS.labels
export const corpusFile = (file: string) => readFileSync(join(CORPUS_DIR, file))
