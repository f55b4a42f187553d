import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import { promisify } from 'node:util'
import { GetAccountSummaryCommand } from '@aws-sdk/client-iam'
import { PublishCommand } from '@aws-sdk/client-sns'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { accessAnalyzerClient, listAnalyzers } from '../../shared/aws/access-analyzer.ts'
import {
  clientConfig,
  documentClient,
  iamClient,
  snsClient,
  TRANSPORT_DEFAULTS,
  transportSettings,
} from '../../shared/aws/clients.ts'
import { cloudTrailClient, describeTrails } from '../../shared/aws/cloudtrail.ts'
import { callerAccountId, stsClient } from '../../shared/aws/sts.ts'

const run = promisify(execFile)

/** An endpoint that accepts every connection and never says a word. */
async function silentEndpoint(): Promise<{ url: string; connections: () => number; close: () => void }> {
  const sockets = new Set<Socket>()
  let connections = 0
  const server: Server = createServer((s) => {
    connections++
    sockets.add(s)
    s.on('close', () => sockets.delete(s))
  })
  await once(server.listen(0, '127.0.0.1'), 'listening')
  const { port } = server.address() as { port: number }
  return {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () => {
      for (const s of sockets) s.destroy()
      server.close()
    },
  }
}

let silent: Awaited<ReturnType<typeof silentEndpoint>>
beforeAll(async () => {
  silent = await silentEndpoint()
})
afterAll(() => silent?.close())
afterEach(() => {
  vi.unstubAllEnvs()
})

describe('client timeouts and retries', () => {
  it('defaults to a 3 s connect timeout, a 15 s request timeout and 3 attempts: a silent endpoint fails within a minute', () => {
    // Act
    const settings = transportSettings({})
    // Assess: every attempt may wait the whole request timeout; standard mode's jittered backoff before
    // attempts 2 and 3 is at most 0.1 s and 0.2 s.
    expect(settings).toEqual(TRANSPORT_DEFAULTS)
    expect(settings).toEqual({ connectTimeoutMs: 3000, requestTimeoutMs: 15_000, maxAttempts: 3 })
    expect(settings.maxAttempts * settings.requestTimeoutMs + 300).toBeLessThan(60_000)
  })

  it('reads the timeouts and attempts from IAMWATCH_CONNECT_TIMEOUT_MS, IAMWATCH_REQUEST_TIMEOUT_MS and IAMWATCH_MAX_ATTEMPTS', () => {
    // Act
    const settings = transportSettings({
      IAMWATCH_CONNECT_TIMEOUT_MS: '500',
      IAMWATCH_REQUEST_TIMEOUT_MS: '2500',
      IAMWATCH_MAX_ATTEMPTS: '5',
    })
    // Assess
    expect(settings).toEqual({ connectTimeoutMs: 500, requestTimeoutMs: 2500, maxAttempts: 5 })
  })

  it.each([
    ['IAMWATCH_REQUEST_TIMEOUT_MS', 'soon', 'a positive number of milliseconds'],
    ['IAMWATCH_CONNECT_TIMEOUT_MS', '0', 'a positive number of milliseconds'],
    ['IAMWATCH_MAX_ATTEMPTS', '2.5', 'a whole number of attempts, at least 1'],
  ])('refuses %s=%j, naming the variable', (name, value, want) => {
    // Act / Assess
    expect(() => transportSettings({ [name]: value })).toThrow(`${name} must be ${want}, not "${value}"`)
  })

  it('configures the SDK: handler timeouts (to the first byte and between bytes), standard retries, the attempts', () => {
    // Prepare
    vi.stubEnv('IAMWATCH_REQUEST_TIMEOUT_MS', '1234')
    vi.stubEnv('IAMWATCH_CONNECT_TIMEOUT_MS', '567')
    vi.stubEnv('IAMWATCH_MAX_ATTEMPTS', '4')
    // Act
    const config = clientConfig({ region: 'eu-west-1' })
    // Assess
    expect(config).toEqual({
      region: 'eu-west-1',
      maxAttempts: 4,
      retryMode: 'standard',
      requestHandler: {
        connectionTimeout: 567,
        requestTimeout: 1234,
        socketTimeout: 1234,
        throwOnRequestTimeout: true,
      },
    })
  })

  it.each([
    ['IAM', () => iamClient({ endpoint: silent.url }).send(new GetAccountSummaryCommand({}))],
    [
      'SNS',
      () => snsClient({ endpoint: silent.url }).send(new PublishCommand({ Message: 'm', TopicArn: 't' })),
    ],
    [
      'DynamoDB',
      () =>
        documentClient({ endpoint: silent.url }).send(new GetCommand({ TableName: 't', Key: { pk: 'k' } })),
    ],
    ['STS', () => callerAccountId(stsClient({ endpoint: silent.url }))],
    ['CloudTrail', () => describeTrails(cloudTrailClient({ endpoint: silent.url }))],
    ['Access Analyzer', () => listAnalyzers(accessAnalyzerClient('us-east-1', { endpoint: silent.url }))],
  ])(
    'gives up on a silent %s endpoint after its attempts, naming the service and the endpoint',
    async (service, call) => {
      // Prepare
      vi.stubEnv('IAMWATCH_REQUEST_TIMEOUT_MS', '150')
      vi.stubEnv('IAMWATCH_MAX_ATTEMPTS', '2')
      const before = silent.connections()
      const started = Date.now()
      // Act
      const failure = await call().then(
        () => undefined,
        (err: Error) => err,
      )
      // Assess
      expect(failure?.name).toBe('EndpointError')
      expect(failure?.message).toBe(
        `${service} at ${silent.url} did not answer within 150 ms (2 attempts; IAMWATCH_REQUEST_TIMEOUT_MS)`,
      )
      expect(silent.connections() - before).toBe(2)
      expect(Date.now() - started).toBeLessThan(2000)
    },
  )

  it('names the service and endpoint when nothing listens there', async () => {
    // Prepare
    vi.stubEnv('IAMWATCH_MAX_ATTEMPTS', '1')
    // Act
    const failure = await iamClient({ endpoint: 'http://127.0.0.1:9' })
      .send(new GetAccountSummaryCommand({}))
      .catch((err: Error) => err)
    // Assess
    expect((failure as Error).message).toBe(
      'IAM at http://127.0.0.1:9 could not be reached (ECONNREFUSED, 1 attempt): is AWS_ENDPOINT_URL_IAM right?',
    )
  })
})

describe('iamwatch scan against an endpoint that never answers', () => {
  let sim: IamSimulator
  beforeAll(async () => {
    sim = await startIamSimulator(new AccountBuilder('777788889999').build(), { reportDelayMs: 10 })
  })
  afterAll(async () => sim?.stop())

  const scan = async (env: Record<string, string>, ...args: string[]) => {
    const started = Date.now()
    try {
      const { stdout, stderr } = await run(process.execPath, ['bin/iamwatch.ts', 'scan', ...args], {
        env: {
          PATH: process.env.PATH,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
          IAMWATCH_REQUEST_TIMEOUT_MS: '200',
          IAMWATCH_CONNECT_TIMEOUT_MS: '200',
          IAMWATCH_MAX_ATTEMPTS: '2',
          AWS_ENDPOINT_URL: silent.url,
          ...env,
        },
        timeout: 60_000,
      })
      return { code: 0, stdout, stderr, ms: Date.now() - started }
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string }
      return { code: e.code, stdout: e.stdout, stderr: e.stderr, ms: Date.now() - started }
    }
  }

  it('fails with exit 1 naming STS and the endpoint when no service answers', async () => {
    // Act
    const { code, stdout, stderr, ms } = await scan({})
    // Assess
    expect(code).toBe(1)
    expect(stdout).toBe('')
    expect(stderr).toContain(
      `error: STS at ${silent.url} did not answer within 200 ms (2 attempts; IAMWATCH_REQUEST_TIMEOUT_MS)`,
    )
    expect(ms).toBeLessThan(15_000)
  })

  it('is degraded (exit 3), naming IAM and the endpoint, when only IAM never answers', async () => {
    // Act
    const { code, stderr } = await scan(
      { AWS_ENDPOINT_URL_STS: sim.endpoint, AWS_ENDPOINT_URL_IAM: silent.url },
      '--only',
      'credentials',
    )
    // Assess
    expect(code).toBe(3)
    expect(stderr).toContain(`IAM at ${silent.url} did not answer within 200 ms`)
  })
})
