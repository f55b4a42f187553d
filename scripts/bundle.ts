import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { build } from 'esbuild'
import { FUNCTIONS, type FunctionName } from '../stacks/functions.ts'

export const BUILD_DIR = '.build'

/**
 * Bundles one handler for nodejs24.x: ESM, minified, AWS SDK bundled (no reliance on the runtime's
 * copy), module-first resolution (smaller and faster to load than CJS-first).
 */
export interface Bundle {
  file: string
  /** All files shipped. */
  bytes: number
  /** The entry and the chunks it imports statically: what a cold start loads when no lazy chunk is needed. */
  entryBytes: number
}

export async function bundleFunction(name: FunctionName, root = process.cwd()): Promise<Bundle> {
  const outdir = join(root, BUILD_DIR, name)
  rmSync(outdir, { recursive: true, force: true })
  mkdirSync(outdir, { recursive: true })
  const file = join(outdir, 'index.mjs')
  const result = await build({
    entryPoints: { index: join(root, FUNCTIONS[name].entry) },
    outdir,
    outExtension: { '.js': '.mjs' },
    // Lazily imported modules (the SDK's SSO/ini/web-identity credential providers) become chunks
    // that Lambda, which reads credentials from the environment, never loads.
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'node',
    target: 'node24',
    mainFields: ['module', 'main'],
    sourcemap: false,
    legalComments: 'none',
    metafile: true,
    // Some bundled CommonJS dependencies call require(); give ESM output a real one.
    banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
  })
  const outputs = Object.entries(result.metafile.outputs)
  const bytes = outputs.reduce((n, [, o]) => n + o.bytes, 0)
  const byPath = new Map(outputs)
  const loaded = new Set<string>()
  const visit = (path: string) => {
    if (loaded.has(path) || !byPath.has(path)) return
    loaded.add(path)
    for (const i of byPath.get(path)!.imports) if (i.kind === 'import-statement') visit(i.path)
  }
  visit(outputs.find(([path]) => path.endsWith('index.mjs'))?.[0] ?? '')
  const entryBytes = [...loaded].reduce((n, path) => n + byPath.get(path)!.bytes, 0)
  return { file, bytes, entryBytes }
}

export async function bundleAll(root = process.cwd()) {
  const out: Record<string, Bundle> = {}
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) out[name] = await bundleFunction(name, root)
  return out
}
