import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { GetAccountSummaryCommand, ListUsersCommand } from '@aws-sdk/client-iam'
import { PublishCommand } from '@aws-sdk/client-sns'
import { GetCommand } from '@aws-sdk/lib-dynamodb'
import { afterEach, describe, expect, it } from 'vitest'
import { accessAnalyzerClient, listAnalyzers } from '../../shared/aws/access-analyzer.ts'
import { documentClient, iamClient, snsClient } from '../../shared/aws/clients.ts'
import { cloudTrailClient, describeTrails } from '../../shared/aws/cloudtrail.ts'
import { callerAccountId, stsClient } from '../../shared/aws/sts.ts'

const PAGE = '<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>Not Found</body></html>'

let server: Server | undefined
afterEach(() => server?.close())

/** A local HTTP endpoint that gives every request the same answer and counts the requests. */
async function endpoint(status: number, headers: Record<string, string>, body: string) {
  const seen = { requests: 0, url: '' }
  server = createServer((_req, res) => {
    seen.requests++
    res.writeHead(status, headers).end(body)
  })
  await once(server.listen(0, '127.0.0.1'), 'listening')
  seen.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return seen
}

const notAws = (service: string, url: string, status: number, env: string) =>
  `${service} at ${url} did not answer as AWS would (HTTP ${status}, text/html): is ${env} right?`

describe('an endpoint that does not answer as AWS would', () => {
  it('names the service and endpoint when an endpoint answers with an HTML page', async () => {
    const web = await endpoint(404, { 'content-type': 'text/html' }, PAGE)

    const call = listAnalyzers(accessAnalyzerClient('us-east-1', { endpoint: web.url }))

    await expect(call).rejects.toThrow(
      notAws('Access Analyzer', web.url, 404, 'AWS_ENDPOINT_URL_ACCESSANALYZER'),
    )
    expect(web.requests).toBe(1)
  })

  it('names IAM the same way, although its XML reader takes the page for an error', async () => {
    const web = await endpoint(404, { 'content-type': 'text/html; charset=utf-8' }, PAGE)

    const call = iamClient({ endpoint: web.url }).send(new GetAccountSummaryCommand({}))

    await expect(call).rejects.toThrow(notAws('IAM', web.url, 404, 'AWS_ENDPOINT_URL_IAM'))
    expect(web.requests).toBe(1)
  })

  it('does not retry a page whose status says the service is unavailable', async () => {
    const web = await endpoint(503, { 'content-type': 'text/html' }, PAGE)

    const failure = await listAnalyzers(accessAnalyzerClient('us-east-1', { endpoint: web.url })).catch(
      (err: Error) => err,
    )

    expect(failure).toMatchObject({ name: 'EndpointError', cause: { name: 'SyntaxError' } })
    expect(web.requests).toBe(1)
  })

  it('does not take a page served with 200 for an empty IAM answer', async () => {
    const web = await endpoint(200, { 'content-type': 'text/html' }, PAGE)

    const call = iamClient({ endpoint: web.url }).send(new ListUsersCommand({}))

    await expect(call).rejects.toThrow(notAws('IAM', web.url, 200, 'AWS_ENDPOINT_URL_IAM'))
  })

  it.each([
    ['SNS', 'SNS', (url: string) => snsClient({ endpoint: url }).send(new PublishCommand({ Message: 'm' }))],
    [
      'DynamoDB',
      'DYNAMODB',
      (url: string) =>
        documentClient({ endpoint: url }).send(new GetCommand({ TableName: 't', Key: { pk: 'k' } })),
    ],
    ['STS', 'STS', (url: string) => callerAccountId(stsClient({ endpoint: url }))],
    ['CloudTrail', 'CLOUDTRAIL', (url: string) => describeTrails(cloudTrailClient({ endpoint: url }))],
  ])('fails once and names %s when its endpoint is a web page', async (service, env, call) => {
    const web = await endpoint(404, { 'content-type': 'text/html' }, PAGE)

    const result = call(web.url)

    await expect(result).rejects.toThrow(notAws(service, web.url, 404, `AWS_ENDPOINT_URL_${env}`))
    expect(web.requests).toBe(1)
  })

  it('leaves an AWS throttling error as it is, and retries it', async () => {
    const web = await endpoint(
      400,
      { 'content-type': 'text/xml' },
      '<ErrorResponse><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error>' +
        '<RequestId>r-1</RequestId></ErrorResponse>',
    )

    const call = iamClient({ endpoint: web.url, maxAttempts: 2 }).send(new GetAccountSummaryCommand({}))

    await expect(call).rejects.toMatchObject({ name: 'Throttling', message: 'Rate exceeded' })
    expect(web.requests).toBe(2)
  })

  it('leaves an AWS access-denied error as it is, and does not retry it', async () => {
    const web = await endpoint(
      403,
      { 'content-type': 'application/json', 'x-amzn-errortype': 'AccessDeniedException' },
      '{"message":"not authorized"}',
    )

    const call = listAnalyzers(accessAnalyzerClient('us-east-1', { endpoint: web.url }))

    await expect(call).rejects.toMatchObject({ name: 'AccessDeniedException', message: 'not authorized' })
    expect(web.requests).toBe(1)
  })
})
