import type { AccessAdvisor } from '../access-advisor.ts'
import type { Caller } from '../identity.ts'
import type { SimAccount } from '../model.ts'
import type { XmlNode } from '../xml.ts'

export interface ActionContext {
  /** The caller's account: requests are served by the account the signing key belongs to. */
  account: SimAccount
  params: URLSearchParams
  settings: { reportDelayMs: number; reportTtlMs: number }
  caller: Caller
  /** The simulator's Access Advisor jobs (GenerateServiceLastAccessedDetails and its reads). */
  accessAdvisor: AccessAdvisor
}

/** One IAM action: returns the body of its <ActionResult> element, or throws a SimError. */
export type ActionHandler = (ctx: ActionContext) => XmlNode
