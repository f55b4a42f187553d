import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

/** A deployer pattern as a regular expression: `*` matches any run of characters, the rest literally. */
function patternRegExp(pattern: string): RegExp {
  const literal = pattern.split('*').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
  return new RegExp(`^${literal.join('.*')}$`)
}

/** The ARNs a caller is known by: its own, and for a role session the role's (the session issuer). */
function callerArns(e: CloudTrailEvent): string[] {
  const arns = [str(e.identity.arn)]
  if (e.identity.type === 'AssumedRole') arns.push(str(e.identity.issuer?.arn))
  return arns.filter((a): a is string => a !== undefined)
}

/** Whether the caller matches one of the configured deployer patterns (ctx.deployers). */
function isDeployer(e: CloudTrailEvent, deployers: readonly string[]): boolean {
  if (deployers.length === 0) return false
  const arns = callerArns(e)
  return deployers.some((p) => {
    const re = patternRegExp(p)
    return arns.some((arn) => re.test(arn))
  })
}

export const userCreatedOutsideIac = defineDetection({
  id: 'user-created-outside-iac',
  title: 'An IAM user was created outside infrastructure as code',
  description:
    'iam CreateUser by a principal that is not a configured deployer (`deployers`: ARN patterns of CI/CD and IaC roles) and not CloudFormation acting for it. Long-term IAM users made by hand are a common persistence step.',
  severity: 'medium',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: ['CreateUser'] },
  params: {},
  match: (e, ctx) => {
    if (e.eventSource !== 'iam.amazonaws.com' || e.eventName !== 'CreateUser' || !succeeded(e)) return null
    if (e.identity.invokedBy === 'cloudformation.amazonaws.com') return null
    return isDeployer(e, ctx.deployers) ? null : {}
  },
  principal: principalOf,
  context: (e) => {
    const user = e.responseElements.user as { userName?: unknown; arn?: unknown } | undefined
    return {
      createdUser: str(user?.userName) ?? str(e.requestParameters.userName) ?? null,
      createdUserArn: str(user?.arn) ?? null,
      sessionIssuer: str(e.identity.issuer?.arn) ?? null,
    }
  },
  runbook: [
    'Ask the creator why the user was made by hand; if nobody expects it, delete its access keys and login profile (or the user) now.',
    "Review the new user's policies and group memberships and what the creator did in the same session; if the creator is a legitimate pipeline, add its ARN to `deployers`.",
  ],
})
