import type { Template } from '../../stacks/member-template.ts'

/**
 * A CloudFormation template as one stack of it would be in an account and region: its conditions decided,
 * the resources whose condition is false left out, and the intrinsic functions the member template uses
 * (Ref, Fn::Sub, Fn::GetAtt, Fn::If, Fn::Equals) replaced by their values. A reference to a resource that
 * does not exist in that region throws, as CloudFormation would refuse the template there.
 */
export interface StackOf {
  resources: Record<string, { Type: string; Properties: Record<string, unknown> }>
  outputs: Record<string, unknown>
}

export interface Place {
  accountId: string
  region: string
  partition?: string
}

type Json = unknown

export function stackOf(template: Template, place: Place): StackOf {
  const partition = place.partition ?? 'aws'
  const pseudo: Record<string, string> = {
    'AWS::AccountId': place.accountId,
    'AWS::Region': place.region,
    'AWS::Partition': partition,
  }
  const conditions = new Map<string, boolean>()
  const condition = (name: string): boolean => {
    if (!conditions.has(name)) {
      const def = template.Conditions[name]
      if (def === undefined) throw new Error(`no condition ${name}`)
      conditions.set(name, Boolean(value(def)))
    }
    return conditions.get(name)!
  }
  const exists = (id: string) => {
    const r = template.Resources[id]
    return r !== undefined && (r.Condition === undefined || condition(r.Condition))
  }
  const resource = (id: string) => {
    if (!exists(id)) throw new Error(`${id} does not exist in ${place.region}`)
    return template.Resources[id]!
  }
  const ref = (name: string): string => {
    if (name in pseudo) return pseudo[name]!
    const r = resource(name)
    const p = r.Properties
    if (r.Type === 'AWS::SQS::Queue')
      return `https://sqs.${place.region}.amazonaws.com/${place.accountId}/${p.QueueName}`
    if (r.Type === 'AWS::IAM::Role') return String(p.RoleName)
    if (r.Type === 'AWS::Events::Rule') return String(p.Name)
    throw new Error(`Ref ${name}: ${r.Type} is not modelled`)
  }
  const attribute = (id: string, attr: string): string => {
    const r = resource(id)
    const p = r.Properties
    if (attr !== 'Arn') throw new Error(`GetAtt ${id}.${attr} is not modelled`)
    if (r.Type === 'AWS::IAM::Role') return `arn:${partition}:iam::${place.accountId}:role/${p.RoleName}`
    if (r.Type === 'AWS::SQS::Queue')
      return `arn:${partition}:sqs:${place.region}:${place.accountId}:${p.QueueName}`
    if (r.Type === 'AWS::Events::Rule')
      return `arn:${partition}:events:${place.region}:${place.accountId}:rule/${p.Name}`
    throw new Error(`GetAtt ${id}.Arn: ${r.Type} is not modelled`)
  }
  const value = (x: Json): Json => {
    if (Array.isArray(x)) return x.map(value)
    if (!x || typeof x !== 'object') return x
    const o = x as Record<string, Json>
    const keys = Object.keys(o)
    if (keys.length === 1) {
      const [k] = keys as [string]
      const arg = o[k]
      if (k === 'Ref') return ref(String(arg))
      if (k === 'Fn::GetAtt') {
        const [id, attr] = arg as [string, string]
        return attribute(id, attr)
      }
      if (k === 'Fn::Sub')
        return String(arg).replace(/\$\{([^}]+)\}/g, (_, name: string) =>
          name.includes('.') ? attribute(...(name.split('.') as [string, string])) : ref(name),
        )
      if (k === 'Fn::If') {
        const [name, yes, no] = arg as [string, Json, Json]
        return value(condition(name) ? yes : no)
      }
      if (k === 'Fn::Equals') {
        const [a, b] = arg as [Json, Json]
        return JSON.stringify(value(a)) === JSON.stringify(value(b))
      }
      if (k.startsWith('Fn::')) throw new Error(`${k} is not modelled`)
    }
    return Object.fromEntries(Object.entries(o).map(([key, v]) => [key, value(v)]))
  }
  const resources: StackOf['resources'] = {}
  for (const [id, r] of Object.entries(template.Resources))
    if (exists(id))
      resources[id] = { Type: r.Type, Properties: value(r.Properties) as Record<string, unknown> }
  const outputs: StackOf['outputs'] = {}
  for (const [id, o] of Object.entries(template.Outputs)) {
    const out = o as { Condition?: string; Value: Json }
    if (out.Condition === undefined || condition(out.Condition)) outputs[id] = value(out.Value)
  }
  return { resources, outputs }
}
