import { rootResource } from '../resources.ts'
import { defineCheck, fail, pass, unknown } from '../types.ts'

export const rootHardwareMfa = defineCheck({
  id: 'root-hardware-mfa',
  title: 'The root account uses a virtual MFA device',
  description: 'Root MFA lives on a virtual device (a phone app) rather than a hardware key.',
  severity: 'high',
  resourceType: 'AwsAccount',
  reads: ['credentials'],
  params: {},
  // Root's MFA is judged by the scan; root-credential-change alerts live.
  triggers: { schedule: 'credentials', events: {} },
  remediation:
    'Replace the root virtual MFA device with a hardware MFA device (FIDO key or hardware TOTP token).',
  evaluate({ credentials: input }, { accountId }) {
    const root = input.root
    if (!root) return []
    const resource = rootResource(accountId, root.arn)
    // Unknown when ListVirtualMFADevices could not be read: leave the finding rather than guess.
    if (input.rootMfaKind === 'unknown')
      return [unknown(this.id, resource, 'ListVirtualMFADevices could not be read')]
    return input.rootMfaKind === 'virtual'
      ? [fail(this.id, resource, { mfaDevice: 'virtual' })]
      : [pass(this.id, resource, { mfaDevice: root.mfaActive ? 'hardware' : 'none' })]
  },
})
