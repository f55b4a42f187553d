import { type ExecFileOptions, execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { inject } from 'vitest'

const run = promisify(execFile)

/** What a run of the CLI left behind: its exit code and its output. */
export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

/** The services a test points the CLI at; `dynamo: true` is DynamoDB Local from the global setup. */
export interface AwsEndpoints {
  iam?: string
  sts?: string
  dynamo?: string | true
  kms?: string
  s3?: string
  cloudtrail?: string
  accessanalyzer?: string
  /** AWS_ENDPOINT_URL: by default a dead loopback port, so anything not named fails fast instead of leaving the machine. */
  fallback?: string
}

/** The standard AWS variables, and nothing else, for a CLI process reaching only the endpoints named. */
export function awsEnv(endpoints: AwsEndpoints = {}): Record<string, string> {
  const { iam, sts, dynamo, kms, s3, cloudtrail, accessanalyzer, fallback } = endpoints
  const named: Record<string, string | undefined> = {
    AWS_ENDPOINT_URL_IAM: iam,
    AWS_ENDPOINT_URL_STS: sts,
    AWS_ENDPOINT_URL_CLOUDTRAIL: cloudtrail,
    AWS_ENDPOINT_URL_ACCESSANALYZER: accessanalyzer,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo === true ? inject('dynamoEndpoint') : dynamo,
    AWS_ENDPOINT_URL_KMS: kms,
    AWS_ENDPOINT_URL_S3: s3,
  }
  return {
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_REGION: 'us-east-1',
    ...Object.fromEntries(Object.entries(named).filter((e): e is [string, string] => e[1] !== undefined)),
    AWS_ENDPOINT_URL: fallback ?? 'http://127.0.0.1:9',
    AWS_EC2_METADATA_DISABLED: 'true',
  }
}

/**
 * Runs `bin/iamwatch.ts` as a user would: a separate process whose environment is PATH and `env` only
 * (build it with `awsEnv`). A non-zero exit is returned, not thrown.
 */
export async function runCli(
  args: string[],
  env: Record<string, string>,
  options: Omit<ExecFileOptions, 'env'> = {},
): Promise<CliResult> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/iamwatch.ts', ...args], {
      ...options,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, ...env },
    })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const e = err as CliResult
    return { code: e.code, stdout: e.stdout, stderr: e.stderr }
  }
}
