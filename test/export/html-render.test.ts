import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { BrowserContext } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { getFramework } from '../../shared/compliance/frameworks.ts'
import { Verifier } from '../../shared/engine/verify.ts'
import { anchor, type ReportInput, renderReport, verificationFrom } from '../../shared/export/html.ts'
import { awsEnv, runCli } from '../support/cli-process.ts'
import { newStore } from '../support/harness.ts'
import { ACCOUNT, chain as chainOf, type Step, subject } from './fixtures.ts'

/**
 * The evidence report as a person sees it: rendered by headless Chromium (Debian's package) from a
 * file:// URL with the network cut off, its text read back and its screenshot checked. With
 * UPDATE_SCREENSHOT=1 the screenshot is written to docs/report.png, for the README.
 */

const CHROMIUM = '/usr/bin/chromium'
const chromiumPresent = existsSync(CHROMIUM)
if (!chromiumPresent)
  console.warn(
    `html-render: ${CHROMIUM} is absent (apt-get install chromium): the screenshot tests are skipped`,
  )

const day = (d: number, h = 9) => new Date(Date.UTC(2026, 2, 1, h) + d * 86_400_000).toISOString()
const PERIOD = { from: '2026-03-01T00:00:00.000Z', to: '2026-03-31T23:59:59.999Z' }

/** A finding and its hash-chained history, each step's run named by its day. */
const chain = (start: ReturnType<typeof subject>, steps: Step[]) =>
  chainOf(start, steps, (at) => `scan-${at.slice(0, 10)}`)

const OPS = `arn:aws:iam::${ACCOUNT}:user/ops-lead`
const HOSTILE = 'user/"><img src=x onerror=alert(1)><script>alert(2)</script>'

/** March 2026 in one account: failing, passing, resolved, suppressed findings and detections. */
function marchFindings() {
  return [
    chain(
      subject('access-key-rotation', 'user/deploy-bot', {
        credentialId: 'AKIAEXAMPLEDEPLOY001',
        title: 'Access key not rotated in 90 days',
        evidence: { ageDays: 134, lastRotated: '2025-10-18T00:00:00Z' },
      }),
      [{ transition: 'OPENED', at: day(1) }],
    ),
    chain(
      subject('console-user-no-mfa', 'user/alice', {
        severity: 'high',
        title: 'Console user without MFA',
        evidence: { mfaActive: false, passwordEnabled: true },
      }),
      [
        { transition: 'OPENED', at: day(2) },
        {
          transition: 'RESOLVED',
          at: day(4, 15),
          patch: { evidence: { mfaActive: true, passwordEnabled: true } },
        },
        {
          transition: 'REOPENED',
          at: day(12),
          patch: { evidence: { mfaActive: false, passwordEnabled: true } },
        },
        {
          transition: 'SUPPRESSED',
          at: day(13),
          actor: OPS,
          reason: 'Contractor leaves on Friday; account is deleted then',
          patch: {
            suppression: {
              reason: 'Contractor leaves on Friday; account is deleted then',
              owner: 'identity-team@example.com',
              until: '2026-04-15T00:00:00.000Z',
              by: OPS,
              at: day(13),
            },
          },
        },
      ],
    ),
    chain(
      subject('console-user-no-mfa', 'user/bob', {
        severity: 'high',
        title: 'Console user without MFA',
        evidence: { mfaActive: false, passwordEnabled: true },
      }),
      [
        { transition: 'OPENED', at: day(6) },
        {
          transition: 'RESOLVED',
          at: day(9, 11),
          patch: { evidence: { mfaActive: true, passwordEnabled: true } },
        },
      ],
    ),
    chain(
      subject('root-access-key', 'root', {
        severity: 'critical',
        resourceType: 'AwsAccount',
        resourceArn: `arn:aws:iam::${ACCOUNT}:root`,
        credentialId: 'root-key-1',
        title: 'Root user has an access key',
        evidence: { keyActive: true },
      }),
      [
        { transition: 'OPENED', at: '2026-02-20T10:00:00.000Z' },
        { transition: 'RESOLVED', at: day(3, 17), patch: { resolution: 'credential-gone' } },
      ],
    ),
    chain(
      subject('password-policy-length', 'password-policy', {
        resourceType: 'AwsAccountPasswordPolicy',
        title: 'Password policy allows passwords shorter than 14 characters',
        evidence: { minimumPasswordLength: 8 },
      }),
      [
        { transition: 'OPENED', at: day(5) },
        { transition: 'RESOLVED', at: day(7), patch: { evidence: { minimumPasswordLength: 14 } } },
      ],
    ),
    chain(
      subject('admin-policy', 'policy/legacy-admin', {
        severity: 'critical',
        resourceType: 'AwsIamPolicy',
        title: 'Customer managed policy allows "*:*"',
        evidence: { statements: ['Allow *:* on *'], attachedTo: [HOSTILE, 'role/\u202Enimda-esrever'] },
      }),
      [{ transition: 'OPENED', at: day(15) }],
    ),
    chain(
      subject('user-direct-policy', HOSTILE, {
        severity: 'low',
        title: 'User has policies attached directly',
        evidence: { policies: ['ReadOnlyAccess'] },
      }),
      [
        { transition: 'OPENED', at: day(18) },
        {
          transition: 'SUPPRESSED',
          at: day(19),
          actor: OPS,
          reason: '<b>temporary</b> break-glass user',
          patch: {
            suppression: {
              reason: '<b>temporary</b> break-glass user',
              owner: 'platform-oncall',
              until: '2026-03-25T00:00:00.000Z',
              by: OPS,
              at: day(19),
            },
          },
        },
        { transition: 'UNSUPPRESSED', at: day(24, 0), actor: 'iamwatch', reason: 'expired' },
      ],
    ),
    chain(
      subject('root-console-login', 'root', {
        severity: 'critical',
        resourceType: 'AwsPrincipal',
        resourceArn: `arn:aws:iam::${ACCOUNT}:root`,
        title: 'Root signed in to the console',
        evidence: { eventName: 'ConsoleLogin', sourceIp: '203.0.113.7' },
      }),
      [
        { transition: 'OPENED', at: day(10, 22) },
        {
          transition: 'ACKNOWLEDGED',
          at: day(11, 8),
          actor: OPS,
          reason: 'planned: billing contact change',
          patch: { resolution: 'acknowledged' },
        },
      ],
    ),
    chain(
      subject('cloudtrail-tampering', 'trail/org-trail', {
        severity: 'critical',
        resourceType: 'AwsCloudTrailTrail',
        title: 'CloudTrail logging stopped',
        evidence: { eventName: 'StopLogging', actor: `arn:aws:iam::${ACCOUNT}:role/ci` },
      }),
      [{ transition: 'OPENED', at: day(27, 14) }],
    ),
  ]
}

/** The report input for March: findings, their history, and the chains verified by the engine's Verifier. */
function marchReport(): ReportInput {
  const all = marchFindings()
  const verifier = new Verifier()
  for (const c of all) verifier.add({ findingId: c.finding.id, state: c.finding, history: c.entries })
  return {
    framework: getFramework('cis-aws-5.0')!,
    findings: all.map((c) => c.finding),
    history: all.flatMap((c) => c.entries),
    accounts: [ACCOUNT],
    period: PERIOD,
    generatedAt: '2026-04-01T08:00:00.000Z',
    verification: verificationFrom(verifier.report(), '2026-04-01T08:00:00.000Z'),
    version: '0.1.0',
  }
}

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
]

interface PixelStats {
  width: number
  height: number
  /** Variance of the luma over every pixel. */
  variance: number
  /** Share of pixels that are not (nearly) white. */
  nonWhite: number
  /** Distinct colours (counted up to 5000). */
  colors: number
}

/** Run in the page (the test's TypeScript has no DOM types): decodes a PNG on a canvas and measures it. */
const MEASURE = `async (b64) => {
  const img = new Image()
  img.src = 'data:image/png;base64,' + b64
  await img.decode()
  const canvas = document.createElement('canvas')
  canvas.width = img.naturalWidth
  canvas.height = img.naturalHeight
  const ctx = canvas.getContext('2d')
  ctx.drawImage(img, 0, 0)
  const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height)
  let sum = 0, sumSq = 0, nonWhite = 0
  const colors = new Set()
  for (let i = 0; i < data.length; i += 4) {
    const luma = 0.299 * data[i] + 0.587 * data[i + 1] + 0.114 * data[i + 2]
    sum += luma
    sumSq += luma * luma
    if (luma < 245) nonWhite++
    if (colors.size < 5000) colors.add((data[i] << 16) | (data[i + 1] << 8) | data[i + 2])
  }
  const n = data.length / 4
  const mean = sum / n
  return { width: canvas.width, height: canvas.height, variance: sumSq / n - mean * mean, nonWhite: nonWhite / n, colors: colors.size }
}`

/** Pixel statistics of a PNG, decoded by Chromium itself on a blank page with the network cut off. */
async function pixelStats(browser: BrowserContext, png: Buffer): Promise<PixelStats> {
  const page = await browser.newPage()
  try {
    await page.route('**/*', (route) => route.abort())
    return (await page.evaluate(`(${MEASURE})(${JSON.stringify(png.toString('base64'))})`)) as PixelStats
  } finally {
    await page.close()
  }
}

/** A PNG's size from its IHDR chunk. */
function pngSize(png: Buffer): { width: number; height: number } {
  expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20) }
}

describe.skipIf(!chromiumPresent)('the evidence report in headless Chromium', () => {
  /** One browser with a fresh profile (user-data dir), closed with it. */
  let browser: BrowserContext
  let dir: string

  beforeAll(async () => {
    const { chromium } = await import('playwright-core')
    dir = mkdtempSync(join(tmpdir(), 'iamwatch-report-'))
    browser = await chromium.launchPersistentContext(join(dir, 'profile'), {
      executablePath: CHROMIUM,
      args: ARGS,
      headless: true,
      viewport: { width: 1200, height: 1000 },
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    if (dir) rmSync(dir, { recursive: true, force: true })
  })

  it('renders every requirement, the verification and the suppressions offline, and screenshots them', async () => {
    // Prepare
    const file = join(dir, 'report.html')
    writeFileSync(file, renderReport(marchReport()))
    const url = pathToFileURL(file).href
    const page = await browser.newPage()
    const requests: string[] = []
    const dialogs: string[] = []
    page.on('request', (r) => requests.push(r.url()))
    page.on('dialog', (d) => {
      dialogs.push(d.message())
      void d.dismiss()
    })
    await page.route('**/*', (route) => (route.request().url() === url ? route.continue() : route.abort()))
    // Act
    const response = await page.goto(url, { waitUntil: 'load' })
    // biome-ignore lint/performance/useDomNodeTextContent: the text as Chromium renders it is what is read
    const text = await page.innerText('body')
    const heads = await page.$$eval('article.req', (all) =>
      all.map(
        (a) => `${a.id} ${a.querySelector('.rid')?.textContent} ${a.querySelector('.rtitle')?.textContent}`,
      ),
    )
    const tiles = await page.$$eval('.tiles a', (all) => all.map((a) => a.textContent))
    const shot = await page.screenshot({ fullPage: false, type: 'png' })
    const full = await page.screenshot({ fullPage: true, type: 'png' })
    await page.close()
    // Assess: only the file was requested, nothing ran
    expect(response?.ok() ?? true).toBe(true)
    expect(requests).toEqual([url])
    expect(dialogs).toEqual([])
    // Assess: the text an auditor reads
    for (const r of getFramework('cis-aws-5.0')!.requirements) expect(text).toContain(r.title)
    expect(heads).toEqual(
      getFramework('cis-aws-5.0')!.requirements.map((r) => `${anchor(r.id)} ${r.id} ${r.title}`),
    )
    expect(tiles).toEqual(getFramework('cis-aws-5.0')!.requirements.map((r) => r.id))
    expect(text).toContain('Hash chains verified: 9 findings, 18 history items, every chain intact')
    expect(text).toContain('identity-team@example.com')
    expect(text).toContain('Contractor leaves on Friday; account is deleted then')
    expect(text).toContain('<b>temporary</b> break-glass user')
    expect(text).toContain('"><img src=x onerror=alert(1)><script>alert(2)</script>')
    expect(text).toContain('role/nimda-esrever')
    expect(text).not.toContain('\u202E')
    // Assess: a picture, not a blank page
    expect(pngSize(shot)).toEqual({ width: 1200, height: 1000 })
    expect(pngSize(full).height).toBeGreaterThan(3000)
    const blankPage = await browser.newPage()
    await blankPage.setContent('<html><body style="background:#fff"></body></html>')
    const blank = await blankPage.screenshot({ type: 'png' })
    await blankPage.close()
    const [report, empty] = [await pixelStats(browser, shot), await pixelStats(browser, blank)]
    expect(empty).toMatchObject({ variance: 0, colors: 1 })
    expect(report.variance).toBeGreaterThan(500)
    expect(report.nonWhite).toBeGreaterThan(0.05)
    expect(report.colors).toBeGreaterThan(50)
    expect(shot.length).toBeGreaterThan(blank.length * 10)
    if (process.env.UPDATE_SCREENSHOT === '1') {
      const out = join(import.meta.dirname, '../../docs/report.png')
      mkdirSync(dirname(out), { recursive: true })
      writeFileSync(out, shot)
    }
  })
})

// ---- the CLI ------------------------------------------------------------------------------------------

const iamwatch = (args: string[]) => runCli(args, awsEnv({ dynamo: true }))

describe('iamwatch export --format html', () => {
  let table: string
  beforeAll(async () => {
    const { store, tableName } = await newStore()
    table = tableName
    for (const c of marchFindings()) for (const t of c.transitions) await store.applyTransition(t)
  })

  it('writes the report of the findings and their verified chains to --out', async () => {
    // Prepare
    const out = join(mkdtempSync(join(tmpdir(), 'iamwatch-html-')), 'evidence.html')
    // Act
    const { code, stderr } = await iamwatch([
      'export',
      '--format',
      'html',
      '--since',
      '2026-03-01',
      '--out',
      out,
      '--table',
      table,
    ])
    // Assess
    expect(stderr).toBe(`9 findings written to ${out}\n`)
    expect(code).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).toContain('<h1>CIS AWS Foundations Benchmark v5.0.0</h1>')
    expect(html).toContain('Hash chains verified:</strong> 9 findings, 18 history items')
    expect(html).toContain('2026-03-01 00:00Z – ')
    expect(html).toContain('identity-team@example.com')
    expect(html).not.toContain('<script>')
  })

  it('reports the findings as they stood at --as-of, over the period up to it', async () => {
    // Act: on 10 March alice's MFA finding was resolved, the admin policy not yet found
    const { code, stdout } = await iamwatch([
      'export',
      '--format',
      'html',
      '--framework',
      'cis-aws-5.0',
      '--as-of',
      '2026-03-10T00:00:00Z',
      '--since',
      '2026-03-01',
      '--table',
      table,
    ])
    // Assess
    expect(code).toBe(0)
    expect(stdout).toContain('as they stood at 2026-03-10 00:00Z')
    expect(stdout).toContain('2026-03-01 00:00Z – 2026-03-10 00:00Z')
    expect(stdout).not.toContain('legacy-admin')
    expect(stdout).toContain('Hash chains verified:')
  })

  it.each([
    [['--status', 'open'], '--status is not for --format html'],
    [['--format', 'json', '--since', '2026-03-01'], '--since is for --format html'],
  ])('refuses %j', async (args, message) => {
    const { code, stderr } = await iamwatch(['export', '--format', 'html', ...args, '--table', table])
    expect(code).toBe(1)
    expect(stderr).toContain(message)
  })
})
