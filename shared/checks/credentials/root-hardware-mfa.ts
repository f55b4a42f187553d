import { rootResource } from '../resources.ts'
import { defineCheck, fail, pass } from '../types.ts'

export const rootHardwareMfa = defineCheck({
  id: 'root-hardware-mfa',
  title: 'The root account uses a virtual MFA device',
  description: 'Root MFA lives on a virtual device (a phone app) rather than a hardware key.',
  severity: 'high',
  resourceType: 'AwsAccount',
  source: 'credentials',
  params: {},
  triggers: { schedule: 'credentials', events: ['EnableMFADevice', 'DeactivateMFADevice'] },
  remediation:
    'Replace the root virtual MFA device with a hardware MFA device (FIDO key or hardware TOTP token).',
  evaluate(input, { accountId }) {
    const root = input.root
    // Unknown when ListVirtualMFADevices could not be read: say nothing rather than guess.
    if (!root || input.rootMfaKind === 'unknown') return []
    const resource = rootResource(accountId, root.arn)
    return input.rootMfaKind === 'virtual'
      ? [fail(this.id, resource, { mfaDevice: 'virtual' })]
      : [pass(this.id, resource, { mfaDevice: root.mfaActive ? 'hardware' : 'none' })]
  },
})
