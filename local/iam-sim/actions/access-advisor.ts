import { type AccessJob, entitiesFor, type Granularity } from '../access-advisor.ts'
import { validationError } from '../errors.ts'
import { principal } from '../identity.ts'
import { paginate } from '../paging.ts'
import type { XmlNode } from '../xml.ts'
import { required } from './params.ts'
import type { ActionContext, ActionHandler } from './types.ts'

/**
 * Access Advisor on the wire (see ../access-advisor.ts for what a report holds). Input constraints are
 * the API reference's: Arn 20..2048 characters, Granularity SERVICE_LEVEL | ACTION_LEVEL (default
 * SERVICE_LEVEL), JobId exactly 36 characters, ServiceNamespace [\w-]* of 1..64; a value outside them is
 * a ValidationError, as IAM's input validation answers. A well-formed JobId that is not one of the caller's
 * jobs is NoSuchEntity (404): AWS serves a JobId only to the user, or role session, that generated it.
 */

const GRANULARITIES: readonly Granularity[] = ['SERVICE_LEVEL', 'ACTION_LEVEL']

const constraint = (value: string, member: string, rule: string) =>
  validationError(
    `1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`,
  )

export const GenerateServiceLastAccessedDetails: ActionHandler = (ctx) => {
  const arn = required(ctx, 'Arn')
  if (arn.length < 20 || arn.length > 2048)
    throw constraint(
      arn,
      'arn',
      `Member must have length ${arn.length < 20 ? 'greater' : 'less'} than or equal to ${arn.length < 20 ? 20 : 2048}`,
    )
  const granularity = (ctx.params.get('Granularity') ?? 'SERVICE_LEVEL') as Granularity
  if (!GRANULARITIES.includes(granularity))
    throw constraint(
      granularity,
      'granularity',
      `Member must satisfy enum value set: [${GRANULARITIES.join(', ')}]`,
    )
  const job = ctx.accessAdvisor.generate(ctx.account, principal(ctx.caller).arn, arn, granularity)
  return { JobId: job.id }
}

function job(ctx: ActionContext): AccessJob {
  const id = required(ctx, 'JobId')
  if (id.length !== 36)
    throw constraint(
      id,
      'jobId',
      `Member must have length ${id.length < 36 ? 'greater' : 'less'} than or equal to 36`,
    )
  return ctx.accessAdvisor.job(ctx.account, principal(ctx.caller).arn, id)
}

/** The job's status fields; JobCompletionDate and Error only once it has ended. */
const status = (j: AccessJob) => ({
  JobStatus: j.status,
  JobCreationDate: j.created,
  JobCompletionDate: j.completed,
})

export const GetServiceLastAccessedDetails: ActionHandler = (ctx) => {
  const j = job(ctx)
  const page = paginate<XmlNode>(
    j.snapshot?.services ?? [],
    ctx.params,
    `GetServiceLastAccessedDetails:${j.id}`,
  )
  return {
    JobStatus: j.status,
    JobType: j.granularity,
    JobCreationDate: j.created,
    ServicesLastAccessed: page.items,
    JobCompletionDate: j.completed,
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
    Error: j.error,
  }
}

export const GetServiceLastAccessedDetailsWithEntities: ActionHandler = (ctx) => {
  const j = job(ctx)
  const namespace = required(ctx, 'ServiceNamespace')
  if (namespace.length > 64 || !/^[\w-]+$/.test(namespace))
    throw constraint(namespace, 'serviceNamespace', 'Member must satisfy regular expression pattern: [\\w-]*')
  const page = paginate(
    entitiesFor(j, namespace),
    ctx.params,
    `GetServiceLastAccessedDetailsWithEntities:${j.id}:${namespace.toLowerCase()}`,
  )
  return {
    ...status(j),
    EntityDetailsList: page.items,
    IsTruncated: page.IsTruncated,
    Marker: page.Marker,
    Error: j.error,
  }
}
