import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import type { OrganizationOptions } from '../../stacks/organization-options.ts'

const PLATFORM = join(process.cwd(), '.sst', 'platform')

export interface MockResource {
  type: string
  name: string
  inputs: Record<string, unknown>
  /** The provider's URN, for resources created in another region. */
  provider?: string
}

export const ACCOUNT = '123456789012'
export const REGION = 'us-east-1'

/**
 * Runs the SST stack under Pulumi's unit-test mocks, with the globals SST's CLI normally provides,
 * from the same @pulumi copies SST installed in .sst/platform. Resolves with every registered resource.
 */
export async function runStack(
  stage: string,
  options: {
    regions?: string[]
    reserveConcurrency?: boolean
    organization?: OrganizationOptions
    /** IAMWATCH_CONFIG, as JSON (default: none, `{}`). */
    config?: string
  } = {},
): Promise<{ resources: MockResource[]; outputs: Record<string, unknown> }> {
  if (!existsSync(join(PLATFORM, 'node_modules', '@pulumi', 'aws'))) {
    throw new Error(
      '.sst/platform is not installed: run `npm install` (its postinstall runs `sst install` offline)',
    )
  }
  const require = createRequire(join(PLATFORM, 'package.json'))
  const pulumi = require('@pulumi/pulumi')
  const aws = require('@pulumi/aws')
  const resources: MockResource[] = []
  await pulumi.runtime.setMocks(
    {
      newResource(args: { type: string; name: string; inputs: Record<string, unknown>; provider?: string }) {
        resources.push({
          type: args.type,
          name: args.name,
          inputs: args.inputs,
          ...(args.provider ? { provider: args.provider } : {}),
        })
        const service = args.type.split(':')[1]?.split('/')[0] ?? 'x'
        const arn = `arn:aws:${service}:${REGION}:${ACCOUNT}:${args.name}`
        const state: Record<string, unknown> = { ...args.inputs, arn, id: `${args.name}-id` }
        if (args.type === 'aws:dynamodb/table:Table')
          state.streamArn = `arn:aws:dynamodb:${REGION}:${ACCOUNT}:table/${args.inputs.name}/stream/2026`
        if (args.type === 'aws:kms/key:Key') state.keyId = 'key-id'
        if (args.type === 'aws:sqs/queue:Queue')
          state.url = `https://sqs.${REGION}.amazonaws.com/${ACCOUNT}/${args.inputs.name}`
        if (args.type === 'aws:sns/topic:Topic')
          state.arn = `arn:aws:sns:${REGION}:${ACCOUNT}:${args.inputs.name}`
        if (args.type === 'aws:lambda/function:Function')
          state.arn = `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${args.inputs.name}`
        if (args.type === 'aws:cloudwatch/eventRule:EventRule')
          state.arn = `arn:aws:events:${REGION}:${ACCOUNT}:rule/${args.inputs.name}`
        if (args.type === 'aws:cloudwatch/logGroup:LogGroup')
          state.arn = `arn:aws:logs:${REGION}:${ACCOUNT}:log-group:${args.inputs.name}`
        return { id: `${args.name}-id`, state }
      },
      call(args: { token: string; inputs: Record<string, unknown> }) {
        if (args.token === 'aws:index/getCallerIdentity:getCallerIdentity')
          return { accountId: ACCOUNT, arn: 'x', userId: 'x', id: ACCOUNT }
        if (args.token === 'aws:index/getRegion:getRegion')
          return { name: REGION, region: REGION, id: REGION }
        if (args.token === 'aws:index/getPartition:getPartition')
          return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' }
        return args.inputs
      },
    },
    'iamwatch',
    stage,
    false,
  )
  Object.assign(globalThis, {
    aws,
    $app: { name: 'iamwatch', stage },
    $util: pulumi,
    $resolve: pulumi.all,
    $interpolate: pulumi.interpolate,
    $jsonStringify: pulumi.jsonStringify,
    $output: pulumi.output,
  })
  const { iamwatch } = await import('../../stacks/iamwatch.ts')
  const out = iamwatch({
    buildDir: '.build',
    regions: options.regions ?? [],
    ...(options.reserveConcurrency === undefined ? {} : { reserveConcurrency: options.reserveConcurrency }),
    ...(options.organization ? { organization: options.organization } : {}),
    ...(options.config === undefined ? {} : { config: options.config }),
  })
  const outputs: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(out)) {
    const o = v as { apply?: (f: (x: unknown) => void) => void }
    outputs[k] = typeof o?.apply === 'function' ? await new Promise((resolve) => o.apply!(resolve)) : v
  }
  // Let every pending registration land: wait until the resource list stops growing.
  for (let n = -1; n !== resources.length; ) {
    n = resources.length
    await new Promise((r) => setTimeout(r, 100))
  }
  return { resources, outputs }
}
