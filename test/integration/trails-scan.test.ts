import { CloudTrailClient } from '@aws-sdk/client-cloudtrail'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { silentLog } from '../../shared/app/log.ts'
import { runScan } from '../../shared/app/scan.ts'
import { iamClient } from '../../shared/aws/clients.ts'
import type { FindingsStore } from '../../shared/aws/findings-store.ts'
import { parseConfig } from '../../shared/config/config.ts'
import { scanTrailsPolicy } from '../../stacks/permissions.ts'
import { newStore } from '../support/harness.ts'

const MEMBER = '111122223333'
const MANAGEMENT = '999988887777'
const ORG_ARN = `arn:aws:cloudtrail:us-east-1:${MANAGEMENT}:trail/org-trail`
/** A grant of the account's own trails only (what the scan roles granted before organization trails). */
const OWN_TRAILS_ONLY = `arn:aws:cloudtrail:*:${MEMBER}:trail/*`
const HOUR = 3_600_000

let sim: IamSimulator
afterEach(async () => sim?.stop())

/** A member account in the simulator, and a findings table whose last CloudTrail event came 30 hours ago. */
async function start(account: AccountBuilder) {
  sim = await startIamSimulator(account.build())
  const { store } = await newStore()
  const lastEvent = new Date(Date.now() - 30 * HOUR)
  await store.records.countEvents(lastEvent.toISOString().slice(0, 10), 1, 0, lastEvent.toISOString())
  return store
}

/** A scheduled scan of the trails part; `status(check)` lists its outcomes as `status resource`. */
async function scanTrails(store: FindingsStore) {
  const summary = await runScan({
    parts: ['trails'],
    iam: iamClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
    cloudTrail: new CloudTrailClient({ endpoint: sim.endpoint, region: 'us-east-1' }),
    accountId: MEMBER,
    store,
    config: parseConfig({}),
    region: 'us-east-1',
    log: silentLog,
  })
  const status = (checkId: string) =>
    summary.outcomes.filter((o) => o.checkId === checkId).map((o) => `${o.status} ${o.resource.id}`)
  return { summary, status }
}

describe('a scan of the trails part in a member account of an organization', () => {
  it("is complete under the scan role's own grant: the deployed role may read the organization trail", async () => {
    // Prepare: the simulated caller may read exactly the trails the trails scanner's role grants
    const granted = scanTrailsPolicy({
      accountId: MEMBER,
      region: 'us-east-1',
      partition: 'aws',
      tableArn: 't',
      keyArn: 'k',
      dlqArn: 'd',
      alertTopicArn: 'a',
      logGroupArn: 'l',
    }).Statement.find((st) => st.Sid === 'ReadTrailState')!.Resource
    const store = await start(
      new AccountBuilder(MEMBER).organizationTrail('org-trail', MANAGEMENT).trailReadGrant(...granted),
    )
    // Act
    const { summary } = await scanTrails(store)
    // Assess
    expect(summary.status).toBe('complete')
  })

  it('is complete with only the organization trail, and judges the event stream', async () => {
    // Prepare
    const store = await start(new AccountBuilder(MEMBER).organizationTrail('org-trail', MANAGEMENT))
    // Act
    const { summary, status } = await scanTrails(store)
    // Assess
    expect(summary.status).toBe('complete')
    expect(summary.notEvaluated).toEqual([])
    expect(status('event-stream-silent')).toEqual(['fail event-stream'])
    expect(status('cloudtrail-multi-region-missing')).toEqual(['pass cloudtrail'])
    expect(status('cloudtrail-not-logging')).toEqual([`pass ${ORG_ARN}`])
  })

  it("is degraded, naming the organization trail, when the caller's policy grants only the account's own trails", async () => {
    // Prepare
    const store = await start(
      new AccountBuilder(MEMBER)
        .trail('local', { isMultiRegionTrail: false })
        .organizationTrail('org-trail', MANAGEMENT)
        .trailReadGrant(OWN_TRAILS_ONLY),
    )
    // Act
    const { summary, status } = await scanTrails(store)
    // Assess
    expect(summary.status).toBe('degraded')
    expect(status('cloudtrail-not-logging')).toEqual([
      `pass arn:aws:cloudtrail:us-east-1:${MEMBER}:trail/local`,
      `unknown ${ORG_ARN}`,
    ])
    expect(status('cloudtrail-multi-region-missing')).toEqual(['unknown cloudtrail'])
    expect(status('event-stream-silent')).toEqual(['fail event-stream'])
    expect(summary.notEvaluated).toContainEqual(
      expect.stringMatching(
        new RegExp(`^cloudtrail-not-logging on ${ORG_ARN}: GetTrailStatus: AccessDeniedException`),
      ),
    )
  })

  it("leaves the organization trail's open findings as they are while it cannot be read", async () => {
    // Prepare: a scan that reads the stopped organization trail opens its findings
    const store = await start(
      new AccountBuilder(MEMBER)
        .trail('local')
        .organizationTrail('org-trail', MANAGEMENT, { isLogging: false, logFileValidationEnabled: false }),
    )
    await scanTrails(store)
    const orgTrail = sim.account.trails.find((t) => t.name === 'org-trail')!
    Object.assign(orgTrail, { isLogging: true, logFileValidationEnabled: true })
    sim.account.trailReadGrant = [OWN_TRAILS_ONLY]
    // Act
    const { summary } = await scanTrails(store)
    // Assess
    expect(summary.counts.resolved).toBe(0)
    const open = await store.listFindings({ status: 'OPEN' })
    expect(open.map((f) => `${f.checkId} ${f.resourceId}`).sort()).toEqual([
      `cloudtrail-log-validation ${ORG_ARN}`,
      `cloudtrail-not-logging ${ORG_ARN}`,
      'event-stream-silent event-stream',
    ])
  })
})
