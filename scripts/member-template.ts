/**
 * Prints the member accounts' CloudFormation template (stacks/member-template.ts) as JSON, for deploying it
 * by hand (`aws cloudformation create-stack-set --template-body file://member.json ...`) rather than through
 * the central stack's StackSet (IAMWATCH_STACKSET_OUS).
 *
 *   IAMWATCH_ORGANIZATION_ID=o-... IAMWATCH_CENTRAL_ACCOUNT_ID=111122223333 IAMWATCH_STAGE=prod \
 *     npm run -s member-template > member.json
 *
 * The same settings as the deploy (IAMWATCH_ORGANIZATION_ID, IAMWATCH_READER_ROLE, and IAMWATCH_REGIONS for
 * the regions printed on stderr), and what the deploy learns from its own account: IAMWATCH_CENTRAL_ACCOUNT_ID
 * (the account the stack is deployed in), IAMWATCH_STAGE (the stage deployed, which names the central
 * roles the reader trusts: `iamwatch-<stage>-...`) and IAMWATCH_PARTITION (default aws).
 */
import { monitoredRegions } from '../shared/config/config.ts'
import { memberTemplate } from '../stacks/member-template.ts'
import {
  ACCOUNT_ID,
  centralReaderRoleNames,
  ORGANIZATION_HOME_REGION,
  organizationOptionsFromEnv,
  resolveOrganization,
} from '../stacks/organization-options.ts'

function fail(message: string): never {
  process.stderr.write(`member-template: ${message}\n`)
  process.exit(1)
}

try {
  const env = process.env
  const options = organizationOptionsFromEnv(env)
  if (!options) fail('set IAMWATCH_ORGANIZATION_ID (o-...)')
  const org = resolveOrganization(options)
  const central = env.IAMWATCH_CENTRAL_ACCOUNT_ID?.trim() ?? ''
  if (!ACCOUNT_ID.test(central))
    fail(`set IAMWATCH_CENTRAL_ACCOUNT_ID to the central account's id (12 digits), not "${central}"`)
  const stage = env.IAMWATCH_STAGE?.trim() ?? ''
  if (!/^[a-zA-Z0-9-]+$/.test(stage))
    fail(
      `set IAMWATCH_STAGE to the stage deployed in the central account (sst deploy --stage ...), not "${stage}"`,
    )
  const partition = env.IAMWATCH_PARTITION?.trim() || 'aws'
  const template = memberTemplate({
    organizationId: org.id,
    centralAccountId: central,
    partition,
    readerRoleName: org.readerRoleName,
    centralRoleNames: centralReaderRoleNames(`iamwatch-${stage}`),
    homeRegion: ORGANIZATION_HOME_REGION,
  })
  process.stdout.write(`${JSON.stringify(template, null, 2)}\n`)
  const regions = [
    ORGANIZATION_HOME_REGION,
    ...monitoredRegions(env.IAMWATCH_REGIONS).filter((r) => r !== ORGANIZATION_HOME_REGION),
  ]
  process.stderr.write(
    `member-template: deploy it in ${ORGANIZATION_HOME_REGION} first (its roles are made there), then in: ${regions.slice(1).join(',')}\n`,
  )
} catch (err) {
  fail((err as Error).message)
}
