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
    const regions = (process.env.IAMWATCH_REGIONS ?? '')
      .split(',')
      .map((r) => r.trim())
      .filter(Boolean)
    return iamwatch({ config: process.env.IAMWATCH_CONFIG, regions })
  },
})
