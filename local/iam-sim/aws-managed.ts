import type { SimManagedPolicy } from './model.ts'

const doc = (statements: unknown[]) => JSON.stringify({ Version: '2012-10-17', Statement: statements })
const AWS_MANAGED: Record<string, string> = {
  AdministratorAccess: doc([{ Effect: 'Allow', Action: '*', Resource: '*' }]),
  AWSCloudShellFullAccess: doc([{ Effect: 'Allow', Action: ['cloudshell:*'], Resource: '*' }]),
  AWSSupportAccess: doc([{ Effect: 'Allow', Action: ['support:*'], Resource: '*' }]),
  ReadOnlyAccess: doc([
    {
      Effect: 'Allow',
      Action: ['s3:Get*', 's3:List*', 'ec2:Describe*', 'iam:Get*', 'iam:List*'],
      Resource: '*',
    },
  ]),
  PowerUserAccess: doc([
    { Effect: 'Allow', NotAction: ['iam:*', 'organizations:*', 'account:*'], Resource: '*' },
  ]),
}

/** The AWS-managed policies the simulator knows, as IAM serves them (arn:aws:iam::aws:policy/<name>). */
export function awsManagedPolicy(name: string): SimManagedPolicy {
  const document = AWS_MANAGED[name]
  if (!document) throw new Error(`the simulator does not model the AWS-managed policy ${name}`)
  const created = new Date('2015-02-06T18:39:46Z')
  return {
    name,
    arn: `arn:aws:iam::aws:policy/${name}`,
    id: `ANPA${name
      .toUpperCase()
      .replace(/[^A-Z]/g, '')
      .slice(0, 16)
      .padEnd(16, 'X')}`,
    path: '/',
    awsManaged: true,
    createDate: created,
    versions: [{ id: 'v1', document, createDate: created }],
    defaultVersionId: 'v1',
  }
}
