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
    const { iamwatch } = await import('./stacks/iamwatch')
    return iamwatch()
  },
})
