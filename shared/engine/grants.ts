import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { str, succeeded } from '../detections/helpers.ts'

/** A grant the event made: who holds it, what it is, and when (see GrantLedger). */
export interface GrantChange {
  holder: string
  key: string
  at: string
}

const HOLDER: Record<string, 'user' | 'role' | 'group'> = { User: 'user', Role: 'role', Group: 'group' }

/**
 * The grant a successful IAM event made, if any: a managed policy attached, an inline policy put, a
 * user added to a group, a policy's default version changed. Boundaries only narrow: not grants.
 */
export function grantChange(e: CloudTrailEvent): GrantChange | undefined {
  if (e.eventSource !== 'iam.amazonaws.com' || !succeeded(e) || !e.eventTime) return undefined
  const p = e.requestParameters
  const at = e.eventTime.toISOString()
  const m = /^(Attach|Put)(User|Role|Group)Policy$/.exec(e.eventName)
  if (m) {
    const kind = HOLDER[m[2]!]!
    const name = str(p[`${kind}Name`])
    const key = m[1] === 'Attach' ? str(p.policyArn) : str(p.policyName) && `inline:${str(p.policyName)}`
    return name && key ? { holder: `${kind}/${name}`, key, at } : undefined
  }
  if (e.eventName === 'AddUserToGroup') {
    const [user, group] = [str(p.userName), str(p.groupName)]
    return user && group ? { holder: `user/${user}`, key: `group:${group}`, at } : undefined
  }
  const policyArn = str(p.policyArn)
  if (
    policyArn &&
    (e.eventName === 'SetDefaultPolicyVersion' ||
      (e.eventName === 'CreatePolicyVersion' && (p.setAsDefault === true || p.setAsDefault === 'true')))
  )
    return { holder: policyArn, key: 'default', at }
  return undefined
}
