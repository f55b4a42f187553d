import type { AccessReport, ActionAccess, EntityAccess, ServiceAccess } from '../model/access.ts'

/** The subset of GetServiceLastAccessedDetails' output the normalizer reads (the SDK's shape). */
export interface RawServiceLastAccessed {
  ServiceName?: string
  ServiceNamespace?: string
  LastAuthenticated?: Date
  LastAuthenticatedEntity?: string
  LastAuthenticatedRegion?: string
  TotalAuthenticatedEntities?: number
  TrackedActionsLastAccessed?: Array<{
    ActionName?: string
    LastAccessedEntity?: string
    LastAccessedRegion?: string
    LastAccessedTime?: Date
  }>
}

const NAMESPACE = /^[a-z0-9-]{1,64}$/
const ACTION = /^[A-Za-z0-9]{1,128}$/

/**
 * One report, normalized once: namespaces lower case, tracked actions as `service:Action` whether AWS
 * names them with or without the prefix, dates as dates; rows without a readable namespace are
 * rejected (returned with the reason) rather than guessed at.
 */
export function normalizeAccessReport(
  target: { arn: string; resourceId: string },
  generatedAt: Date,
  rows: readonly RawServiceLastAccessed[],
): { report: AccessReport; rejected: string[] } {
  const rejected: string[] = []
  const services: ServiceAccess[] = []
  for (const row of rows) {
    const namespace = row.ServiceNamespace?.toLowerCase()
    if (!namespace || !NAMESPACE.test(namespace)) {
      rejected.push(
        `service row without a valid namespace (${JSON.stringify(row.ServiceNamespace ?? null).slice(0, 80)})`,
      )
      continue
    }
    const tracked = row.TrackedActionsLastAccessed?.flatMap((a): ActionAccess[] => {
      const name = a.ActionName?.includes(':') ? a.ActionName.split(':')[1] : a.ActionName
      if (!name || !ACTION.test(name)) {
        rejected.push(`${namespace}: tracked action without a valid name`)
        return []
      }
      return [
        {
          action: `${namespace}:${name}`,
          ...(a.LastAccessedTime ? { lastAccessed: a.LastAccessedTime } : {}),
          ...(a.LastAccessedRegion ? { region: a.LastAccessedRegion } : {}),
        },
      ]
    })
    services.push({
      namespace,
      name: row.ServiceName ?? namespace,
      ...(row.LastAuthenticated ? { lastAccessed: row.LastAuthenticated } : {}),
      ...(row.LastAuthenticatedEntity ? { lastEntity: row.LastAuthenticatedEntity } : {}),
      ...(row.LastAuthenticatedRegion ? { region: row.LastAuthenticatedRegion } : {}),
      ...(row.TotalAuthenticatedEntities !== undefined ? { entities: row.TotalAuthenticatedEntities } : {}),
      ...(tracked ? { trackedActions: tracked } : {}),
    })
  }
  return { report: { ...target, generatedAt, services }, rejected }
}

export interface RawEntityDetails {
  EntityInfo?: { Arn?: string; Name?: string; Type?: string }
  LastAuthenticated?: Date
}

export function normalizeEntities(rows: readonly RawEntityDetails[]): EntityAccess[] {
  return rows.flatMap((r): EntityAccess[] => {
    const type = r.EntityInfo?.Type
    if (!r.EntityInfo?.Arn || !(type === 'USER' || type === 'ROLE' || type === 'GROUP' || type === 'POLICY'))
      return []
    return [
      {
        arn: r.EntityInfo.Arn,
        type,
        name: r.EntityInfo.Name ?? r.EntityInfo.Arn,
        ...(r.LastAuthenticated ? { lastAccessed: r.LastAuthenticated } : {}),
      },
    ]
  })
}
