/// <reference path="./.sst/platform/config.d.ts" />

export default $config({
  app(input) {
    return {
      name: 'iamwatch',
      home: 'aws',
      removal: input?.stage === 'prod' ? 'retain' : 'remove',
      protect: input?.stage === 'prod',
      providers: { aws: { region: 'us-east-1' } },
    }
  },
  async run() {
    // The functions are bundled here (esbuild) and shipped as plain Lambda functions with roles we
    // write ourselves, so every permission they have is one a test has read.
    const { bundleAll } = await import('./scripts/bundle.ts')
    await bundleAll()
    const { iamwatch } = await import('./stacks/iamwatch.ts')
    // Every region enabled by default in an AWS account unless IAMWATCH_REGIONS lists others
    // (shared/config/config.ts, DEFAULT_MONITORED_REGIONS, says which and where that list comes from).
    const { monitoredRegions } = await import('./shared/config/config.ts')
    const regions = monitoredRegions(process.env.IAMWATCH_REGIONS)
    // IAMWATCH_RESERVED_CONCURRENCY=off: for an account whose Lambda quota is below 142, or with an organization
    // below 143 + IAMWATCH_ORG_CONCURRENCY (stacks/lambda.ts).
    const reserveConcurrency = process.env.IAMWATCH_RESERVED_CONCURRENCY !== 'off'
    // An AWS Organization watched from this account when IAMWATCH_ORGANIZATION_ID is set (with
    // IAMWATCH_READER_ROLE, IAMWATCH_ORG_CONCURRENCY, IAMWATCH_STACKSET_OUS, IAMWATCH_STACKSET_CALL_AS:
    // stacks/organization-options.ts); a bad value stops the deploy here, by its name.
    const { organizationOptionsFromEnv } = await import('./stacks/organization-options.ts')
    const organization = organizationOptionsFromEnv(process.env)
    return iamwatch({
      config: process.env.IAMWATCH_CONFIG,
      regions,
      reserveConcurrency,
      ...(organization ? { organization } : {}),
    })
  },
})
