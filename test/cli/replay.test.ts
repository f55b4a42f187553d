import { execFile } from 'node:child_process'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { toEventBridge } from '../../shared/eventbridge/patterns.ts'
import { record, root, signin } from '../support/events.ts'

const run = promisify(execFile)
const replay = async (...args: string[]) =>
  (await run(process.execPath, ['bin/iamwatch.ts', 'replay', ...args])).stdout

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

  it('summarizes on stderr without --json', async () => {
    const { stderr } = await run(process.execPath, ['bin/iamwatch.ts', 'replay', fixtures()])
    expect(stderr).toBe(
      '23 records, 1 rejected, 3 detections: root-console-login 1, unauthorized-api-calls 1, cloudtrail-tampering 1\n',
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
    const replayInto = () =>
      run(process.execPath, ['bin/iamwatch.ts', 'replay', '--json', '--table', tableName, dir], { env })
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
