import type { TestProject } from 'vitest/node'
import { startLocalStack } from '../../local/stack.ts'

declare module 'vitest' {
  export interface ProvidedContext {
    dynamoEndpoint: string
    snsSqsEndpoint: string
  }
}

/** Starts DynamoDB Local and fauxqs once for the run; the returned teardown runs even when tests fail. */
export default async function setup(project: TestProject) {
  const stack = await startLocalStack()
  project.provide('dynamoEndpoint', stack.dynamo.endpoint)
  project.provide('snsSqsEndpoint', stack.snsSqs.endpoint)
  return async () => {
    await stack.stop()
  }
}
