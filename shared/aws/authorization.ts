import {
  type IAMClient,
  paginateGetAccountAuthorizationDetails,
  paginateListServerCertificates,
} from '@aws-sdk/client-iam'
import type { RawAuthorizationDetails } from '../normalize/authorization.ts'

/** Every page of GetAccountAuthorizationDetails, at the largest page size IAM allows (1,000). */
export async function fetchAuthorizationDetails(iam: IAMClient): Promise<RawAuthorizationDetails[]> {
  const pages: RawAuthorizationDetails[] = []
  for await (const page of paginateGetAccountAuthorizationDetails({ client: iam, pageSize: 1000 }, {}))
    pages.push(page)
  return pages
}

export interface ServerCertificate {
  name: string
  arn: string
  expiration?: Date
}

export async function listServerCertificates(iam: IAMClient): Promise<ServerCertificate[]> {
  const out: ServerCertificate[] = []
  for await (const page of paginateListServerCertificates({ client: iam }, {})) {
    for (const c of page.ServerCertificateMetadataList ?? []) {
      out.push({
        name: c.ServerCertificateName ?? '',
        arn: c.Arn ?? '',
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      })
    }
  }
  return out
}
