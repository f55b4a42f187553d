import type { OrganizationSource } from '../organization/model.ts'
import type { SourceModule } from './types.ts'
import { unreadable } from './types.ts'

/**
 * One account of the organization, as the central account sees it. It is not read with the account's
 * own clients: the organization run (shared/app/organization.ts) discovers the accounts and probes each
 * one through its reader role once, then hands each account's view to the pipeline. The actions that
 * takes are in organization-actions.ts (granted to the central functions and the member reader role,
 * not to the scan roles), so this module declares none.
 */
export const organizationSource: SourceModule<'organization'> = {
  name: 'organization',
  actions: { account: [], principals: [] },
  async collect(ctx) {
    const view = ctx.organization?.(ctx.accountId)
    if (!view) return unreadable<OrganizationSource>(ctx.now, 'organization: not an organization run')
    return { data: view.data, complete: true, asOf: view.asOf, problems: [], partial: new Map() }
  },
}
