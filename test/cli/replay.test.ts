import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import fc from 'fast-check'
import { describe, expect, inject, it } from 'vitest'
import { formatReplayLine, REPLAY_EXIT, type ReplayOptions, runReplay } from '../../bin/replay.ts'
import { documentClient } from '../../shared/aws/clients.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { DETECTIONS } from '../../shared/detections/registry.ts'
import { serviceEvents } from '../../shared/detections/types.ts'
import { toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { record, root, signin } from '../support/events.ts'

const run = promisify(execFile)

/** `iamwatch replay` as a process: its output and exit code (a non-zero exit is an outcome, not a failure). */
async function cli(args: string[], env?: NodeJS.ProcessEnv) {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/iamwatch.ts', 'replay', ...args], { env })
    return { stdout, stderr, code: 0 }
  } catch (e) {
    const failed = e as { stdout?: string; stderr?: string; code?: unknown }
    if (typeof failed.code !== 'number') throw e
    return { stdout: failed.stdout ?? '', stderr: failed.stderr ?? '', code: failed.code }
  }
}
const replay = async (...args: string[]) => (await cli(args)).stdout

function fixtures(): string {
  const dir = mkdtempSync(join(tmpdir(), 'replay-'))
  mkdirSync(join(dir, 'logs'))
  const rootLogin = signin('ConsoleLogin', 'Success', { eventID: 'login-1', userIdentity: root })
  writeFileSync(join(dir, 'a-envelope.json'), JSON.stringify(toEventBridge(rootLogin)))
  const denied = Array.from({ length: 20 }, (_, i) =>
    JSON.stringify(
      record({
        eventID: `deny-${i}`,
        eventTime: `2026-11-23T10:${String(i).padStart(2, '0')}:00Z`,
        eventSource: 's3.amazonaws.com',
        eventName: 'GetObject',
        errorCode: 'AccessDenied',
      }),
    ),
  )
  writeFileSync(join(dir, 'b-denied.jsonl'), `${denied.join('\n')}\nnot json\n`)
  writeFileSync(
    join(dir, 'logs', 'c-trail.json.gz'),
    gzipSync(
      JSON.stringify({
        Records: [
          record({ eventID: 'stop-1', eventSource: 'cloudtrail.amazonaws.com', eventName: 'StopLogging' }),
        ],
      }),
    ),
  )
  return dir
}

describe('iamwatch replay', () => {
  it('prints one JSON line per record with the detections it fires, across shapes and gzip', async () => {
    const lines = (await replay('--json', fixtures()))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(lines[0]).toEqual({
      file: 'a-envelope.json',
      index: 0,
      eventId: 'login-1',
      eventName: 'ConsoleLogin',
      detections: ['root-console-login'],
      rejected: null,
    })
    expect(
      lines.filter((l) => l.detections.includes('unauthorized-api-calls')).map((l) => l.eventId),
    ).toEqual(['deny-19'])
    expect(lines.find((l) => l.rejected)).toMatchObject({
      file: 'b-denied.jsonl',
      line: 21,
      index: 20,
      eventId: null,
      detections: [],
      rejected: expect.stringMatching(/^not JSON/),
    })
    expect(lines.at(-1)).toMatchObject({
      file: 'logs/c-trail.json.gz',
      eventId: 'stop-1',
      detections: ['cloudtrail-tampering'],
    })
  })

  it('starts every invocation with empty threshold state', async () => {
    const dir = fixtures()
    const fired = (out: string) => out.split('\n').filter((l) => l.includes('unauthorized-api-calls')).length
    expect(fired(await replay('--json', dir))).toBe(1)
    expect(fired(await replay('--json', dir))).toBe(1)
  })

  it('grows first-seen baselines across the files of one invocation, and starts each invocation without them', async () => {
    // Prepare: a key used from the office on one day's log, and from elsewhere on the next
    const dir = mkdtempSync(join(tmpdir(), 'replay-first-seen-'))
    const call = (id: string, ip: string, time: string) =>
      JSON.stringify(
        record({
          eventID: id,
          eventTime: time,
          eventSource: 'ec2.amazonaws.com',
          eventName: 'DescribeInstances',
          sourceIPAddress: ip,
          userIdentity: { type: 'IAMUser', userName: 'ci', accessKeyId: 'AKIAIOSFODNN7EXAMPLE' },
        }),
      )
    writeFileSync(join(dir, '1-monday.jsonl'), `${call('a', '198.51.100.7', '2026-11-23T09:00:00Z')}\n`)
    writeFileSync(
      join(dir, '2-tuesday.jsonl'),
      `${call('b', '198.51.100.9', '2026-11-24T09:00:00Z')}\n${call('c', '185.220.101.47', '2026-11-24T10:00:00Z')}\n`,
    )
    // Act
    const lines = async (...paths: string[]) =>
      (await replay('--json', ...paths))
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as { eventId: string; detections: string[] })
    const both = await lines(dir)
    const tuesdayAlone = await lines(join(dir, '2-tuesday.jsonl'))
    // Assess
    expect(both.map((l) => [l.eventId, l.detections])).toEqual([
      ['a', []],
      ['b', []],
      ['c', ['access-key-new-network']],
    ])
    // Alone, Tuesday's first call is the key's baseline, and the second is new
    expect(tuesdayAlone.map((l) => [l.eventId, l.detections])).toEqual([
      ['b', []],
      ['c', ['access-key-new-network']],
    ])
  })

  it('summarizes on stderr without --json', async () => {
    // Act
    const { stderr } = await cli([fixtures()])
    // Assess
    const summary = stderr.split('\n').at(-2)
    expect(summary).toContain('23 records')
    expect(summary).toContain('1 rejected')
    expect(summary).toMatch(
      /3 detections: root-console-login 1, unauthorized-api-calls 1, cloudtrail-tampering 1$/,
    )
  })
})

describe('iamwatch replay --table', () => {
  it('runs the handler path: findings land in the table, and a second replay of the same events changes nothing', async () => {
    // Prepare
    const { inject } = await import('vitest')
    const { newStore } = await import('../support/harness.ts')
    const { store, tableName } = await newStore()
    const dir = fixtures()
    const env = {
      PATH: process.env.PATH,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL_DYNAMODB: inject('dynamoEndpoint'),
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    }
    const replayInto = () => cli(['--json', '--table', tableName, dir], env)
    // Act
    const first = await replayInto()
    const second = await replayInto()
    // Assess
    const fired = (out: string) =>
      out
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
        .flatMap((l) => l.detections)
    expect(fired(first.stdout).sort()).toEqual([
      'cloudtrail-tampering',
      'root-console-login',
      'unauthorized-api-calls',
    ])
    const findings = await store.listFindings({ status: 'OPEN' })
    expect(findings.map((f) => f.checkId).sort()).toEqual([
      'cloudtrail-tampering',
      'root-console-login',
      'unauthorized-api-calls',
    ])
    for (const f of findings) expect(f.seq).toBe(1)
    expect(fired(second.stdout)).toEqual([
      'root-console-login',
      'unauthorized-api-calls',
      'cloudtrail-tampering',
    ])
  })
})

/** Runs the replay in-process, capturing stdout and stderr. */
async function replayIn(paths: string[], options: Partial<ReplayOptions> = {}) {
  let out = ''
  let err = ''
  const code = await runReplay(paths, {
    config: parseConfig({}),
    out: (t) => {
      out += t
    },
    err: (t) => {
      err += t
    },
    ...options,
  })
  const json = () =>
    out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  return { code, out, err, json }
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'replay-robust-'))
const listUsers = (fields: Record<string, unknown> = {}) =>
  record({ eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', ...fields })
const rootLogin = (eventID: string) => signin('ConsoleLogin', 'Success', { eventID, userIdentity: root })
const denied = (eventID: string) =>
  record({ eventID, eventSource: 's3.amazonaws.com', eventName: 'GetObject', errorCode: 'AccessDenied' })
/** Characters a terminal acts on or reorders: C0/C1 controls, DEL, bidi overrides and isolates, zero-width. */
const UNSAFE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u

describe('runReplay: reading input within limits', () => {
  it('refuses a file above the size limit, naming it, without reading it, and replays the other files', async () => {
    // Prepare
    const dir = tempDir()
    const doc = JSON.stringify({ Records: [listUsers({ eventID: 'big' })] })
    writeFileSync(join(dir, 'a-big.json'), doc.padEnd(1025, ' '))
    writeFileSync(join(dir, 'b-small.json'), JSON.stringify(listUsers({ eventID: 'small' })))
    // Act
    const r = await replayIn([dir], { json: true, limits: { maxFileBytes: 1024 } })
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.unreadable)
    expect(r.err).toContain('error: a-big.json: 1025 bytes exceeds the 1024-byte limit for a file read whole')
    expect(r.json().map((l) => [l.file, l.eventId])).toEqual([['b-small.json', 'small']])
  })

  it('refuses a gzip file that decompresses beyond the limit (a gzip bomb), and replays the others', async () => {
    // Prepare
    const dir = tempDir()
    const bomb = gzipSync(`${JSON.stringify({ Records: [listUsers()] })}${' '.repeat(1_000_000)}`)
    writeFileSync(join(dir, 'a-bomb.json.gz'), bomb)
    writeFileSync(join(dir, 'b-fine.json.gz'), gzipSync(JSON.stringify(listUsers({ eventID: 'fine' }))))
    // Act
    const r = await replayIn([dir], { json: true, limits: { maxFileBytes: 64 * 1024 } })
    // Assess
    expect(bomb.length).toBeLessThan(64 * 1024)
    expect(r.code).toBe(REPLAY_EXIT.unreadable)
    expect(r.err).toContain('error: a-bomb.json.gz: decompresses to more than 65536 bytes')
    expect(r.json().map((l) => l.eventId)).toEqual(['fine'])
  })

  it('streams JSON-lines files line by line, whatever the whole-file limit', async () => {
    // Prepare
    const dir = tempDir()
    const lines = Array.from({ length: 50 }, (_, i) => JSON.stringify(listUsers({ eventID: `e${i}` })))
    writeFileSync(join(dir, 'a.jsonl'), `${lines.join('\n')}\n`)
    writeFileSync(join(dir, 'b.ndjson.gz'), gzipSync(lines.join('\r\n')))
    writeFileSync(join(dir, 'c-lines-named.json'), lines.join('\n'))
    // Act
    const r = await replayIn([dir], { json: true, limits: { maxFileBytes: 1024 } })
    // Assess
    expect(r.err).not.toContain('error:')
    expect(r.code).toBe(REPLAY_EXIT.ok)
    const out = r.json()
    for (const file of ['a.jsonl', 'b.ndjson.gz', 'c-lines-named.json']) {
      const mine = out.filter((l) => l.file === file)
      expect(mine.map((l) => [l.line, l.index, l.eventId])).toEqual(lines.map((_, i) => [i + 1, i, `e${i}`]))
    }
  })

  it('stops a streamed gzip file at the decompressed limit, keeping what it read', async () => {
    // Prepare
    const dir = tempDir()
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify(listUsers({ eventID: `e${i}` })))
    writeFileSync(join(dir, 'a.jsonl.gz'), gzipSync(`${lines.join('\n')}\n${' '.repeat(10_000_000)}`))
    // Act
    const r = await replayIn([dir], { json: true, limits: { maxStreamBytes: 1_000_000 } })
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.unreadable)
    expect(r.err).toContain('error: a.jsonl.gz: decompresses to more than 1000000 bytes; stopped there')
    expect(r.json()).toHaveLength(200)
  })

  it('refuses what is not a regular file, such as /dev/zero, without reading it', async () => {
    // Act
    const r = await replayIn(['/dev/zero'])
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.unreadable)
    expect(r.err).toContain('error: /dev/zero: not a regular file')
  })

  it('reads records of a JSON-lines file past one too long to hold in memory', async () => {
    // Prepare
    const dir = tempDir()
    const text = [
      JSON.stringify(listUsers({ eventID: 'a' })),
      'y'.repeat(5_000_000),
      JSON.stringify(listUsers({ eventID: 'b' })),
    ]
    writeFileSync(join(dir, 'a.jsonl'), text.join('\n'))
    // Act
    const r = await replayIn([dir], { json: true })
    // Assess
    expect(r.json().map((l) => [l.line, l.eventId, l.rejected])).toEqual([
      [1, 'a', null],
      [2, null, 'record too large: 5000000 bytes exceeds 262144'],
      [3, 'b', null],
    ])
  })
})

describe('runReplay: one bad input never loses the rest', () => {
  it('replays every other file of a directory when one is corrupt, too deep, hostile or gone', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(join(dir, 'a.json'), JSON.stringify(listUsers({ eventID: 'a' })))
    writeFileSync(join(dir, 'b.json.gz'), Buffer.from([0x1f, 0x8b, 8, 0, 1, 2, 3]))
    writeFileSync(join(dir, 'c.json'), '['.repeat(200_000) + ']'.repeat(200_000))
    writeFileSync(join(dir, 'd.json'), '{"Records":['.repeat(20_000) + ']}'.repeat(20_000))
    writeFileSync(join(dir, 'e.json'), JSON.stringify({ 'detail-type': { toString: 1 }, detail: {} }))
    symlinkSync(join(dir, 'nowhere.json'), join(dir, 'f.json'))
    writeFileSync(join(dir, 'g.json'), JSON.stringify(listUsers({ eventID: 'g' })))
    // Act
    const r = await replayIn([dir], { json: true })
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.unreadable)
    expect(r.json().map((l) => [l.file, l.eventId ?? l.rejected])).toEqual([
      ['a.json', 'a'],
      ['c.json', 'nested deeper than 64 levels'],
      ['d.json', 'nested deeper than 64 levels'],
      ['e.json', 'EventBridge event is not from CloudTrail: detail-type is not a string'],
      ['g.json', 'g'],
    ])
    expect(r.err).toMatch(/^error: b\.json\.gz: not readable gzip: /m)
    expect(r.err).toMatch(/^error: f\.json: no such file or directory/m)
  })

  it('rejects a record a detection fails on, and replays the records after it', async () => {
    // Prepare
    const dir = tempDir()
    const hostile = record({
      eventSource: 'iam.amazonaws.com',
      eventName: 'AttachUserPolicy',
      requestParameters: { userName: 'bob', policyArn: { toString: 1 } },
    })
    writeFileSync(
      join(dir, 'a.jsonl'),
      [hostile, rootLogin('after')].map((x) => JSON.stringify(x)).join('\n'),
    )
    // Act
    const r = await replayIn([dir], { json: true })
    // Assess
    const [first, second] = r.json()
    expect(first.rejected === null || first.rejected.startsWith('detections failed: ')).toBe(true)
    expect(second).toMatchObject({ line: 2, index: 1, eventId: 'after', detections: ['root-console-login'] })
  })

  it('reports a path that does not exist, and replays the paths that do', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(join(dir, 'a.json'), JSON.stringify(listUsers({ eventID: 'a' })))
    // Act
    const r = await replayIn([join(dir, 'missing'), join(dir, 'a.json')], { json: true })
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.unreadable)
    expect(r.err).toContain(`error: ${join(dir, 'missing')}: no such file or directory`)
    expect(r.json().map((l) => [l.file, l.eventId])).toEqual([[join(dir, 'a.json'), 'a']])
  })
})

describe('runReplay: output', () => {
  it('escapes control and bidi characters in the human format, while --json keeps the original strings', async () => {
    // Prepare
    const dir = tempDir()
    const evil = 'id\u001b[2J\u0007\u009b\u202e\u2066\u200b\r\nnext\u2028'
    writeFileSync(join(dir, 'x\u001b]0;pwned\u0007.json'), JSON.stringify(listUsers({ eventID: evil })))
    // Act
    const human = await replayIn([dir])
    const json = await replayIn([dir], { json: true })
    // Assess
    const lines = human.out.split('\n').filter(Boolean)
    expect(lines).toHaveLength(1)
    expect(lines[0]).not.toMatch(UNSAFE)
    expect(lines[0]).toContain('\\u001b[2J\\u0007\\u009b\\u202e\\u2066\\u200b\\r\\nnext\\u2028')
    expect(lines[0]).toContain('x\\u001b]0;pwned\\u0007.json')
    expect(human.err).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/)
    expect(json.json()[0]).toMatchObject({ file: 'x\u001b]0;pwned\u0007.json', eventId: evil })
  })

  it('gives every --json line its index in the file, and its line number for JSON lines only', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(
      join(dir, 'a.json'),
      JSON.stringify({ Records: [listUsers({ eventID: 'a0' }), listUsers({ eventID: 'a1' })] }, null, 2),
    )
    writeFileSync(
      join(dir, 'b.jsonl'),
      [
        JSON.stringify(listUsers({ eventID: 'b0' })),
        '',
        JSON.stringify({ Records: [listUsers({ eventID: 'b1' }), 'junk'] }),
      ].join('\n'),
    )
    // Act
    const r = await replayIn([dir], { json: true })
    // Assess
    expect(r.json().map((l) => [l.file, l.line, l.index, l.eventId ?? l.rejected])).toEqual([
      ['a.json', undefined, 0, 'a0'],
      ['a.json', undefined, 1, 'a1'],
      ['b.jsonl', 1, 0, 'b0'],
      ['b.jsonl', 3, 1, 'b1'],
      ['b.jsonl', 3, 2, 'not a JSON object'],
    ])
    expect(r.json()[0]).not.toHaveProperty('line')
  })

  it('summarizes on stderr: files, records read, rejections by reason, detections by id', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(
      join(dir, 'a.jsonl'),
      [rootLogin('r1'), listUsers(), { eventSource: 'iam.amazonaws.com' }, { eventSource: 'x' }]
        .map((x) => JSON.stringify(x))
        .concat(['nope', '{"a":', JSON.stringify(rootLogin('r2'))])
        .join('\n'),
    )
    writeFileSync(join(dir, 'b.json.gz'), 'not gzip at all')
    // Act
    const r = await replayIn([dir])
    // Assess
    expect(r.err.split('\n').at(-2)).toBe(
      '2 files (1 unreadable), 7 records: 3 accepted, 4 rejected (missing eventName 2, not JSON 2); ' +
        '2 detections: root-console-login 2',
    )
  })
})

describe('runReplay: exit codes', () => {
  it('exits 2 when a detection at least as severe as --fail-on fired, 0 when none did', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(join(dir, 'root.json'), JSON.stringify(rootLogin('r')))
    writeFileSync(
      join(dir, 'denied.jsonl'),
      Array.from({ length: 20 }, (_, i) => JSON.stringify(denied(`d${i}`))).join('\n'),
    )
    // Act
    const critical = await replayIn([join(dir, 'root.json')], { failOn: 'critical' })
    const info = await replayIn([join(dir, 'denied.jsonl')], { failOn: 'info' })
    const medium = await replayIn([join(dir, 'denied.jsonl')], { failOn: 'medium' })
    const none = await replayIn([dir])
    // Assess
    expect([critical.code, info.code, medium.code, none.code]).toEqual([
      REPLAY_EXIT.failOn,
      REPLAY_EXIT.failOn,
      REPLAY_EXIT.ok,
      REPLAY_EXIT.ok,
    ])
  })

  it('exits 4 when a record was rejected, and 2 when --fail-on was reached as well', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(join(dir, 'a.jsonl'), `${JSON.stringify(rootLogin('r'))}\nnot json\n`)
    // Act
    const plain = await replayIn([dir])
    const gated = await replayIn([dir], { failOn: 'high' })
    // Assess
    expect(plain.code).toBe(REPLAY_EXIT.unreadable)
    expect(gated.code).toBe(REPLAY_EXIT.failOn)
  })

  it('exits 1 on bad arguments: no path, an unknown severity, a limit that is not a positive integer', async () => {
    // Act
    const codes = [
      await replayIn([]),
      await replayIn(['.'], { failOn: 'severe' as never }),
      await replayIn(['.'], { limits: { maxFileBytes: -1 } }),
      await replayIn(['.'], { limits: { maxDepth: Number.NaN } }),
    ]
    // Assess
    expect(codes.map((c) => c.code)).toEqual([1, 1, 1, 1])
    expect(codes.map((c) => c.out)).toEqual(['', '', '', ''])
    expect(codes[1]?.err).toContain('error: --fail-on: one of critical, high, medium, low, info')
  })

  it('keeps the default of a limit given as undefined, as a flag left out gives it', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(join(dir, 'a.json'), JSON.stringify({ Records: [listUsers(), listUsers()] }))
    // Act
    const r = await replayIn([dir], { limits: { maxFileBytes: undefined, maxDepth: undefined } })
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.ok)
    expect(r.err).toBe('1 file, 2 records: 2 accepted, 0 rejected; 0 detections\n')
  })

  it('uses exit codes distinct from each other and from the scan command’s degraded code (3)', () => {
    // Assess
    expect(REPLAY_EXIT).toEqual({ ok: 0, error: 1, failOn: 2, unreadable: 4 })
  })
})

describe('runReplay --table', () => {
  it('runs the handler path per record, in file order, and reports rejections and unreadable files too', async () => {
    // Prepare
    const { newStore } = await import('../support/harness.ts')
    const { store, tableName } = await newStore()
    const dir = tempDir()
    writeFileSync(join(dir, 'a.jsonl'), `${JSON.stringify(rootLogin('t1'))}\nnot json\n`)
    writeFileSync(join(dir, 'b.json.gz'), 'not gzip')
    const db = documentClient({ endpoint: inject('dynamoEndpoint'), region: 'us-east-1' })
    // Act
    const r = await replayIn([dir], { json: true, table: tableName, db, failOn: 'critical' })
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.failOn)
    expect(r.json().map((l) => [l.line, l.index, l.detections, l.rejected?.split(':')[0] ?? null])).toEqual([
      [1, 0, ['root-console-login'], null],
      [2, 1, [], 'not JSON'],
    ])
    expect(r.err).toMatch(/^error: b\.json\.gz: not readable gzip/m)
    expect((await store.listFindings({ status: 'OPEN' })).map((f) => f.checkId)).toEqual([
      'root-console-login',
    ])
  })
})

describe('runReplay --table when the table fails', () => {
  it('stops with exit 1, telling the failure as the command describes it, after the summary so far', async () => {
    // Prepare
    const dir = tempDir()
    writeFileSync(join(dir, 'a.json'), JSON.stringify(rootLogin('x')))
    const db = documentClient({ endpoint: 'http://127.0.0.1:9', region: 'us-east-1', maxAttempts: 1 })
    // Act
    const r = await replayIn([dir], {
      table: 'findings',
      db,
      describeError: () => 'findings table findings: unreachable',
    })
    // Assess
    expect(r.code).toBe(REPLAY_EXIT.error)
    expect(r.err).toBe(
      'error: findings table findings: unreachable\n1 file, 0 records: 0 accepted, 0 rejected; 0 detections\n',
    )
  })
})

describe('runReplay on random input (properties)', () => {
  /** Every (source, name) a detection reads: random records that reach the detections. */
  const reads = DETECTIONS.flatMap((d) =>
    serviceEvents(d.events).flatMap((s) => s.names.map((n) => [s.source, n] as const)),
  )
  const field = fc.oneof(
    { weight: 4, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    fc.constant({ toString: 1 }),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'AccessDenied', 'Root', '*', 'true'),
    fc.string({ unit: 'binary', maxLength: 40 }),
  )
  const document = fc.oneof(
    fc.dictionary(
      fc.oneof(
        fc.string(),
        fc.constantFrom('policyArn', 'policyDocument', 'userName', 'roleName', '__proto__'),
      ),
      field,
      { maxKeys: 5 },
    ),
    field,
  )
  const text = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.constantFrom('__proto__', 'AccessDenied'),
  )
  const randomRecord = fc
    .record(
      {
        read: fc.constantFrom(...reads),
        eventID: text,
        eventTime: fc.oneof(text, fc.constant('2026-11-23T10:00:00Z')),
        errorCode: text,
        recipientAccountId: text,
        readOnly: fc.oneof(fc.boolean(), text),
        userIdentity: fc.oneof(fc.constant(root), document),
        requestParameters: document,
        responseElements: document,
        additionalEventData: document,
        eventVersion: field,
      },
      { requiredKeys: ['read'] },
    )
    .map(({ read, ...r }) => ({ ...record({ eventSource: read[0], eventName: read[1] }), ...r }))

  it('formats any line without throwing: human lines are one printable line, JSON lines round-trip', () => {
    const text = fc.option(fc.string({ unit: 'binary' }), { nil: null })
    const line = fc.record({
      file: fc.string({ unit: 'binary' }),
      line: fc.option(fc.nat(), { nil: undefined }),
      index: fc.nat(),
      eventId: text,
      eventName: text,
      detections: fc.array(fc.string({ unit: 'binary' })),
      rejected: text,
    })
    fc.assert(
      fc.property(line, (l) => {
        const human = formatReplayLine(l, false)
        expect(human.endsWith('\n')).toBe(true)
        expect(human.slice(0, -1)).not.toMatch(UNSAFE)
        const json = formatReplayLine(l, true)
        expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(l)))
      }),
      { numRuns: 500 },
    )
  })

  it('replays files of random records without throwing, every line numbered, with an exit code it documents', async () => {
    const dir = tempDir()
    let n = 0
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof({ weight: 4, arbitrary: randomRecord }, fc.jsonValue()), { maxLength: 30 }),
        async (records) => {
          // Prepare
          const file = join(dir, `r${n++}.jsonl`)
          writeFileSync(file, records.map((x) => JSON.stringify(x) ?? 'null').join('\n'))
          // Act
          const r = await replayIn([file], { json: true })
          // Assess
          expect([REPLAY_EXIT.ok, REPLAY_EXIT.unreadable]).toContain(r.code)
          const lines = r.json()
          expect(lines.every((l) => typeof l.index === 'number' && l.line >= 1)).toBe(true)
          expect(r.err).not.toContain('error:')
        },
      ),
      { numRuns: 60 },
    )
  })
})
