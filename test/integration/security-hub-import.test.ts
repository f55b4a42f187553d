import { GetFindingsCommand } from '@aws-sdk/client-securityhub'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { createSecurityHubSync } from '../../shared/app/security-hub-sync.ts'
import { securityHubClient } from '../../shared/aws/clients.ts'
import { acknowledgeFinding } from '../../shared/engine/suppression.ts'
import { record, root } from '../support/events.ts'
import { type Harness, startHarness } from '../support/harness.ts'

const ACCOUNT = '123456789012'
const rootCall = (id: string) =>
  record({ eventID: id, eventSource: 'iam.amazonaws.com', eventName: 'ListUsers', userIdentity: root })

async function withSecurityHub(h: Harness) {
  const client = securityHubClient({ endpoint: h.sim.endpoint, region: 'us-east-1' })
  h.notifierDeps.securityHub = createSecurityHubSync({
    client,
    partition: 'aws',
    region: 'us-east-1',
    accountId: ACCOUNT,
    log: h.notifierDeps.log,
    firstOpenedAt: async (id) => (await h.store.getFinding(id))?.firstOpenedAt,
    retry: { backoffMs: 1 },
  })
  return async () =>
    (
      await client.send(
        new GetFindingsCommand({
          Filters: { GeneratorId: [{ Value: 'root-activity', Comparison: 'EQUALS' }] },
        }),
      )
    ).Findings ?? []
}

describe('findings are imported into Security Hub as they transition, beside the alerts', () => {
  let h: Harness
  afterEach(async () => h?.stop())

  it('imports a finding when it opens and archives it, workflow RESOLVED, when it is acknowledged', async () => {
    // Prepare
    h = await startHarness(new AccountBuilder(ACCOUNT).build(), {
      config: { alerts: { securityHub: { enabled: true } } },
    })
    const findings = await withSecurityHub(h)
    // Act
    await h.event(rootCall('44444444-4444-4444-8444-444444444444'))
    const alerts = await h.alerts()
    const opened = await findings()
    const [finding] = await h.store.listFindings({ checkId: 'root-activity' })
    await acknowledgeFinding(
      h.store,
      finding!.id,
      'arn:aws:iam::123456789012:user/ops',
      'known test',
      'cli:ack',
      h.now().toISOString(),
    )
    await h.alerts()
    const closed = await findings()
    // Assess
    expect(alerts).toHaveLength(1)
    expect(opened).toHaveLength(1)
    expect(opened[0]).toMatchObject({
      Id: `iamwatch/${finding!.id}`,
      RecordState: 'ACTIVE',
      Workflow: { Status: 'NEW' },
      Severity: { Label: 'CRITICAL' },
      ProductFields: expect.objectContaining({ 'iamwatch/transition': 'OPENED' }),
    })
    expect(closed[0]).toMatchObject({ RecordState: 'ARCHIVED', Workflow: { Status: 'RESOLVED' } })
  }, 60_000)

  it('retries the batch while Security Hub refuses, without sending its alert twice', async () => {
    // Prepare
    h = await startHarness(new AccountBuilder(ACCOUNT).build(), {
      config: { alerts: { securityHub: { enabled: true } } },
    })
    const findings = await withSecurityHub(h)
    const sync = h.notifierDeps.securityHub!
    let outage = 2
    h.notifierDeps.securityHub = async (entries) => {
      if (outage-- > 0) throw new Error('Security Hub is unavailable')
      return sync(entries)
    }
    // Act
    await h.event(rootCall('55555555-5555-4555-8555-555555555555'))
    const alerts = await h.alerts()
    // Assess
    expect(alerts).toHaveLength(1)
    expect(await findings()).toHaveLength(1)
  }, 60_000)

  it('does not hold the alerts back when Security Hub is not enabled: the refusal is logged, not retried', async () => {
    // Prepare
    h = await startHarness(new AccountBuilder(ACCOUNT).build(), {
      config: { alerts: { securityHub: { enabled: true } } },
    })
    await withSecurityHub(h)
    h.sim.securityHub.disable(ACCOUNT)
    const errors: string[] = []
    h.notifierDeps.log = { ...h.notifierDeps.log, error: (message: string) => errors.push(message) }
    // Act
    await h.event(rootCall('99999999-9999-4999-8999-999999999999'))
    await h.event(rootCall('aaaaaaaa-9999-4999-8999-999999999999'))
    const alerts = await h.alerts()
    // Assess
    expect(alerts).toHaveLength(1)
    expect(errors.length).toBeGreaterThan(0)
    expect(errors.every((m) => m.startsWith('security hub refused the import; not retried'))).toBe(true)
  }, 60_000)
})
