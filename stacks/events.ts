import { rulePatterns } from '../shared/eventbridge/patterns.ts'
import { forwarderPolicy } from './permissions.ts'
import { serviceTrust } from './trust-policies.ts'

export const HOME_REGION = 'us-east-1'

export interface EventRoutingArgs {
  app: string
  accountId: $util.Output<string>
  partition: $util.Output<string>
  functionArn: $util.Output<string>
  functionName: $util.Output<string>
  dlq: { arn: $util.Output<string>; url: $util.Output<string> }
  /** Other regions whose regional events (STS, sign-in, CloudTrail, GuardDuty, Config, ...) are forwarded home. */
  regions: readonly string[]
}

/**
 * EventBridge rules on the home region's default bus, one per generated pattern (so adding a detection
 * updates them), each targeting the handler with retries and the dead-letter queue; and in each other
 * region, rules for the regional patterns that forward to the home bus.
 */
export function eventRouting(args: EventRoutingArgs) {
  const rules = rulePatterns()
  const ruleArns: $util.Output<string>[] = []
  for (const r of rules) {
    const id = `Rule${pascal(r.name)}`
    const rule = new aws.cloudwatch.EventRule(id, {
      name: `${args.app}-${r.name}`,
      description: `iamwatch: CloudTrail events for ${r.name}`,
      eventPattern: JSON.stringify(r.pattern),
      state: r.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
    })
    ruleArns.push(rule.arn)
    new aws.cloudwatch.EventTarget(`${id}Target`, {
      rule: rule.name,
      arn: args.functionArn,
      retryPolicy: { maximumRetryAttempts: 8, maximumEventAgeInSeconds: 3600 },
      deadLetterConfig: { arn: args.dlq.arn },
    })
    new aws.lambda.Permission(`${id}Invoke`, {
      action: 'lambda:InvokeFunction',
      function: args.functionName,
      principal: 'events.amazonaws.com',
      sourceArn: rule.arn,
    })
  }
  new aws.sqs.QueuePolicy('DeadLettersFromEventBridge', {
    queueUrl: args.dlq.url,
    policy: $resolve([args.dlq.arn, ...ruleArns]).apply(([queueArn, ...sources]) =>
      JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Sid: 'EventBridgeRulesDeadLetter',
            Effect: 'Allow',
            Principal: { Service: 'events.amazonaws.com' },
            Action: 'sqs:SendMessage',
            Resource: queueArn,
            Condition: { ArnEquals: { 'aws:SourceArn': sources } },
          },
        ],
      }),
    ),
  })

  const others = args.regions.filter((r) => r !== HOME_REGION)
  if (others.length === 0) return { rules: rules.map((r) => r.name), forwardedRegions: [] as string[] }
  const homeBus = $interpolate`arn:${args.partition}:events:${HOME_REGION}:${args.accountId}:event-bus/default`
  const role = new aws.iam.Role('ForwarderRole', {
    name: `${args.app}-forwarder`,
    assumeRolePolicy: args.accountId.apply((id) => JSON.stringify(serviceTrust('events.amazonaws.com', id))),
  })
  new aws.iam.RolePolicy('ForwarderPolicy', {
    role: role.name,
    policy: homeBus.apply((arn) => JSON.stringify(forwarderPolicy(arn))),
  })
  for (const region of others) {
    const provider = new aws.Provider(`Aws${pascal(region)}`, { region: region as aws.Region })
    for (const r of rules.filter((x) => x.regional)) {
      const id = `Forward${pascal(region)}${pascal(r.name)}`
      const rule = new aws.cloudwatch.EventRule(
        id,
        {
          name: `${args.app}-forward-${r.name}`,
          description: `iamwatch: forward ${r.name} events from ${region} to ${HOME_REGION}`,
          eventPattern: JSON.stringify(r.pattern),
          state: r.allManagementEvents ? 'ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS' : 'ENABLED',
        },
        { provider },
      )
      new aws.cloudwatch.EventTarget(
        `${id}Target`,
        { rule: rule.name, arn: homeBus, roleArn: role.arn },
        { provider },
      )
    }
  }
  return { rules: rules.map((r) => r.name), forwardedRegions: others }
}

function pascal(s: string): string {
  return s.replace(/(^|[-_.])(\w)/g, (_, __, c: string) => c.toUpperCase())
}
