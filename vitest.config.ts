import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      // Tests talk to 127.0.0.1 only: a client without an explicit endpoint fails fast on a dead port.
      AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
      IAMWATCH_LOG_LEVEL: 'ERROR',
    },
  },
})
