import { defineCheck, fail, pass } from '../types.ts'

export const serverCertificateExpired = defineCheck({
  id: 'server-certificate-expired',
  title: 'An expired server certificate is stored in IAM',
  description:
    'A server certificate in IAM has expired; deploying it by mistake breaks clients and it serves no purpose.',
  severity: 'medium',
  resourceType: 'AwsIamServerCertificate',
  reads: ['authorization'],
  params: {},
  triggers: {
    schedule: 'authorization',
    events: { iam: ['UploadServerCertificate', 'DeleteServerCertificate'] },
  },
  remediation:
    'Delete the expired certificate (aws iam delete-server-certificate) after checking nothing references it.',
  evaluate({ authorization: input }, { now }) {
    return input.serverCertificates.map((c) => {
      const resource = { type: 'AwsIamServerCertificate', id: c.name, arn: c.arn }
      const expired = c.expiration !== undefined && c.expiration.getTime() < now.getTime()
      return expired
        ? fail(this.id, resource, { expiration: c.expiration!.toISOString() })
        : pass(this.id, resource, { expiration: c.expiration?.toISOString() ?? null })
    })
  },
})
