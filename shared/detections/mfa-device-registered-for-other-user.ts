import type { CloudTrailEvent } from '../cloudtrail/event.ts'
import { callerUserName, isRoot, principalOf, rootTargetsItself, str, succeeded } from './helpers.ts'
import { defineDetection } from './types.ts'

const NAMES = ['EnableMFADevice', 'CreateVirtualMFADevice'] as const

/** The last part of an MFA serial number, arn:aws:iam::123456789012:mfa[/path]/name. */
function deviceNameOf(serial: unknown): string | undefined {
  const s = str(serial)
  return s?.includes(':mfa/') ? str(s.slice(s.lastIndexOf('/') + 1)) : undefined
}

/**
 * The user the device is registered for, as the record names it.
 *
 * EnableMFADevice: requestParameters.userName (required by the API).
 *
 * CreateVirtualMFADevice carries no user: only the device's name (requestParameters.virtualMFADeviceName, also
 * the last part of responseElements.virtualMFADevice.serialNumber). Decision: that name stands for the target
 * user. The console names a user's device after the user, and AWS's self-service MFA policy lets a user
 * create only `mfa/${aws:username}`; so a device named after someone else is a device made for someone else.
 * A record that names no device (requestParameters null, as some published records are) names no target and
 * does not fire; the binding to a user is judged on the EnableMFADevice that follows.
 */
function targetOf(e: CloudTrailEvent): string | undefined {
  if (e.eventName === 'EnableMFADevice') return str(e.requestParameters.userName)
  const device = e.responseElements.virtualMFADevice as { serialNumber?: unknown } | undefined
  return str(e.requestParameters.virtualMFADeviceName) ?? deviceNameOf(device?.serialNumber)
}

/** Root acting on itself (B1.6): EnableMFADevice for "AWS ROOT USER" or no user; CreateVirtualMFADevice never names a user. */
function rootForItself(e: CloudTrailEvent): boolean {
  return e.eventName === 'CreateVirtualMFADevice' || rootTargetsItself(e)
}

export const mfaDeviceRegisteredForOtherUser = defineDetection({
  id: 'mfa-device-registered-for-other-user',
  title: 'An MFA device was registered for another user',
  description:
    "EnableMFADevice or CreateVirtualMFADevice for an IAM user other than the caller: whoever holds that device can pass the user's MFA (with the password, a console takeover). Root and role sessions have no user of their own, so any target user is another user.",
  severity: 'medium',
  events: { kind: 'names', sources: ['iam.amazonaws.com'], names: NAMES },
  params: {},
  match: (e) => {
    if (!(NAMES as readonly string[]).includes(e.eventName) || !succeeded(e)) return null
    if (isRoot(e) && rootForItself(e)) return null
    const target = targetOf(e)
    if (!target || target === 'AWS ROOT USER') return null
    // IAM user names are unique case-insensitively: "Alice" and "alice" are the same user.
    const caller = callerUserName(e)
    return caller?.toLowerCase() === target.toLowerCase() ? null : { details: { targetUser: target } }
  },
  principal: principalOf,
  context: (e) => ({
    targetUser: targetOf(e) ?? null,
    serialNumber:
      str(e.requestParameters.serialNumber) ??
      str((e.responseElements.virtualMFADevice as { serialNumber?: unknown } | undefined)?.serialNumber) ??
      null,
  }),
  runbook: [
    'Ask the target user whether they registered this device; if not, deactivate it (DeactivateMFADevice) and delete it, and reset their password.',
    "Review the caller's other actions in the same session (login profile or access key changes for the same user suggest a takeover).",
  ],
})
