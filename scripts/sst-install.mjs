#!/usr/bin/env node
// postinstall: installs SST's platform (.sst/platform: Pulumi and its AWS provider, from npm) so the
// infrastructure type-checks and its tests run offline. SST's own download of Pulumi/Bun binaries is
// skipped: nothing here needs them (deploying does: `npx sst deploy` fetches them on a connected machine).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'

// Installed as a package (the CLI, with everything bundled), there is no SST to set up.
if (!existsSync('node_modules/sst/package.json')) process.exit(0)
const pkg = JSON.parse(readFileSync('package.json', 'utf8'))
const want = pkg.devDependencies.sst
const have = existsSync('.sst/platform/version') ? readFileSync('.sst/platform/version', 'utf8').trim() : ''
if (have === want && existsSync('.sst/platform/node_modules/@pulumi/aws')) process.exit(0)

const env = { ...process.env, SST_SKIP_DEPENDENCY_CHECK: '1', SST_NO_BUN: '1', SST_TELEMETRY_DISABLED: '1' }
const sst = spawnSync('node_modules/.bin/sst', ['install', '--stage', 'ci'], { env, stdio: 'inherit' })
if (sst.status !== 0) {
  console.error('iamwatch: `sst install` failed; the infrastructure tests need it (rerun `npm install`).')
  process.exit(sst.status ?? 1)
}
