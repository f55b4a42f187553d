import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { principalOf, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const NAMES = [
  'CreateSAMLProvider',
  'UpdateSAMLProvider',
  'DeleteSAMLProvider',
  'CreateOpenIDConnectProvider',
  'DeleteOpenIDConnectProvider',
  'UpdateOpenIDConnectProviderThumbprint',
  'AddClientIDToOpenIDConnectProvider',
] as const

/** IAM Identity Center's service-linked role: only the service can create a role under this path. */
const SSO_SERVICE_ROLE = /:role\/aws-service-role\/sso\.amazonaws\.com\/AWSServiceRoleForSSO$/
const SSO_SERVICE_SESSION = /:assumed-role\/AWSServiceRoleForSSO\//

/**
 * The caller is IAM Identity Center's service-linked role, which creates and rotates its own SAML providers
 * (AWSSSO_..._DO_NOT_DELETE) when an account is provisioned. Read from the session issuer's ARN (its
 * aws-service-role/sso.amazonaws.com/ path cannot be chosen by a customer); a record without an issuer ARN
 * is exempt only when its session ARN names the role and AWS recorded invokedBy sso.amazonaws.com, since a
 * customer role could carry the same name under another path.
 */
function isIdentityCenterServiceRole(e: CloudTrailEvent): boolean {
  const issuer = e.identity.issuer?.arn
  if (issuer) return SSO_SERVICE_ROLE.test(issuer)
  return SSO_SERVICE_SESSION.test(e.identity.arn ?? '') && e.identity.invokedBy === 'sso.amazonaws.com'
}

/** The provider changed: its ARN (request, or the response of a create), else the name or URL created. */
function provider(e: CloudTrailEvent): string | null {
  const p = e.requestParameters
  const r = e.responseElements
  return (
    str(p.sAMLProviderArn) ??
    str(p.openIDConnectProviderArn) ??
    str(r.sAMLProviderArn) ??
    str(r.openIDConnectProviderArn) ??
    str(p.name) ??
    str(p.url) ??
    null
  )
}

export const identityProviderChange = defineDetection({
  id: 'identity-provider-change',
  title: 'A SAML or OIDC identity provider changed',
  description:
    "An IAM SAML or OpenID Connect identity provider was created, updated or deleted, or an OIDC provider's thumbprint or client ids changed: whoever controls a trusted provider can assume the roles that trust it. Identity Center's own service-linked role is not reported.",
  severity: 'high',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: NAMES },
  params: {},
  match: (e) => {
    if (!(NAMES as readonly string[]).includes(e.eventName) || !succeeded(e)) return null
    // Invoked by CloudFormation still fires: the catalog exempts only Identity Center's service-linked role.
    return isIdentityCenterServiceRole(e) ? null : {}
  },
  principal: principalOf,
  context: (e) => ({
    change: e.eventName,
    provider: provider(e),
    protocol: e.eventName.includes('SAML') ? 'SAML' : 'OIDC',
  }),
  runbook: [
    'Confirm with the identity team that this provider change was planned; if not, delete the provider (or restore its previous metadata, thumbprint or client ids) now.',
    'List the roles whose trust policy names this provider and review their AssumeRoleWithSAML / AssumeRoleWithWebIdentity events since the change.',
  ],
})
