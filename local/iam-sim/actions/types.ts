import type { AccessAdvisor } from '../access-advisor.ts'
import type { Caller, SimCredential } from '../identity.ts'
import type { SimAccount } from '../model.ts'
import type { SimOrganization } from '../organizations.ts'
import type { XmlNode } from '../xml.ts'

/** What an action may see beyond its own account: the other accounts, the organization, the sessions. */
export interface SimWorld {
  /** Every account the simulator serves, by id. */
  readonly accounts: ReadonlyMap<string, SimAccount>
  /** The organization the accounts form, if one was created. */
  readonly organization: SimOrganization | undefined
  /** Makes a credential (an STS session) usable. */
  addCredentials(credential: SimCredential): void
}

export interface ActionContext {
  /** The caller's account: requests are served by the account the signing key belongs to. */
  account: SimAccount
  params: URLSearchParams
  settings: { reportDelayMs: number; reportTtlMs: number }
  caller: Caller
  /** The simulator's Access Advisor jobs (GenerateServiceLastAccessedDetails and its reads). */
  accessAdvisor: AccessAdvisor
  world: SimWorld
  /** The region the request was signed for (us-east-1 when unsigned). */
  region: string
}

/** One IAM action: returns the body of its <ActionResult> element, or throws a SimError. */
export type ActionHandler = (ctx: ActionContext) => XmlNode
