import type { SimAccount } from '../model.ts'
import type { XmlNode } from '../xml.ts'

export interface ActionContext {
  account: SimAccount
  params: URLSearchParams
  settings: { reportDelayMs: number; reportTtlMs: number }
}

/** One IAM action: returns the body of its <ActionResult> element, or throws a SimError. */
export type ActionHandler = (ctx: ActionContext) => XmlNode
