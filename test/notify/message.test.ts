import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { advance } from '../../shared/engine/reconcile.ts'
import { findingId, GENESIS_HASH } from '../../shared/model/finding.ts'
import { buildAlert, safeSubject } from '../../shared/notify/message.ts'
import { ACCOUNT, detectionEntry as detection, INVISIBLE } from './fixtures.ts'

function entry(resourceId: string, transition: 'OPENED' | 'RESOLVED' = 'OPENED') {
  return advance(
    {
      id: findingId({ accountId: '123456789012', checkId: 'console-user-no-mfa', resourceId }),
      accountId: '123456789012',
      region: 'us-east-1',
      checkId: 'console-user-no-mfa',
      severity: 'high',
      status: transition === 'OPENED' ? 'OPEN' : 'RESOLVED',
      ...(transition === 'RESOLVED' ? { resolution: 'passed' as const } : {}),
      resourceType: 'AwsIamUser',
      resourceId,
      resourceArn: `arn:aws:iam::123456789012:user/${resourceId}`,
      title: 'A console user has no MFA',
      evidence: { passwordEnabled: true, mfaActive: false },
      firstOpenedAt: '2026-11-23T00:00:00.000Z',
      lastTransitionAt: '2026-11-23T00:00:00.000Z',
      seq: 0,
      headHash: GENESIS_HASH,
    },
    transition,
    'scan-1',
    '2026-11-23T00:00:00.000Z',
  ).entry
}

describe('alert messages', () => {
  it('has a readable subject with severity, transition, title, resource and account', () => {
    expect(buildAlert(entry('alice')).subject).toBe(
      '[iamwatch] HIGH OPENED: A console user has no MFA - alice (123456789012)',
    )
  })

  it('tells what to do, maps the CIS control, and carries the transition id', () => {
    const alert = buildAlert(entry('alice'))
    expect(alert.text).toContain('What to do:\n  Assign an MFA device')
    expect(alert.text).toContain('CIS v3.0 1.10 / v5.0 1.9; Security Hub IAM.5')
    expect(alert.attributes).toMatchObject({
      severity: 'high',
      checkId: 'console-user-no-mfa',
      transition: 'OPENED',
      accountId: '123456789012',
    })
    expect(alert.json).toMatchObject({
      schema: 'iamwatch.transition/1',
      transitionId: alert.attributes.transitionId,
    })
  })

  it('says a resolved finding needs no action', () => {
    const alert = buildAlert(entry('alice', 'RESOLVED'))
    expect(alert.subject).toContain('RESOLVED (passed)')
    expect(alert.text).toContain('No action needed')
  })

  it('keeps hostile strings from forging lines in the text and subject', () => {
    const alert = buildAlert(entry('mallory\nSeverity: LOW\r\u2028x'))
    expect(alert.text).not.toMatch(/\nSeverity: LOW/)
    expect(alert.subject).not.toMatch(/[\r\n]/)
  })

  it('bounds subjects to SNS limits: ASCII, one line, under 100 characters', () => {
    const s = safeSubject(`é${'x'.repeat(200)}\n`)
    expect(s.length).toBeLessThanOrEqual(100)
    expect(s).toMatch(/^[\x20-\x7e]+$/)
  })
})

function posture(opts: {
  checkId: string
  resourceId: string
  credentialId?: string
  transition?: 'OPENED' | 'RESOLVED'
  resolution?: 'passed' | 'credential-gone' | 'resource-gone'
  evidence?: Record<string, string | number | boolean | null | string[]>
}) {
  const transition = opts.transition ?? 'OPENED'
  return advance(
    {
      id: findingId({ accountId: ACCOUNT, ...opts }),
      accountId: ACCOUNT,
      region: 'us-east-1',
      checkId: opts.checkId,
      severity: 'medium',
      status: transition === 'OPENED' ? 'OPEN' : 'RESOLVED',
      ...(opts.resolution ? { resolution: opts.resolution } : {}),
      resourceType: 'AwsIamUser',
      resourceId: opts.resourceId,
      resourceArn: `arn:aws:iam::${ACCOUNT}:${opts.resourceId}`,
      ...(opts.credentialId ? { credentialId: opts.credentialId } : {}),
      title: 'A credential has not been used for a long time',
      evidence: opts.evidence ?? { idleDays: 120 },
      firstOpenedAt: '2026-11-23T00:00:00.000Z',
      lastTransitionAt: '2026-11-23T00:00:00.000Z',
      seq: 0,
      headHash: GENESIS_HASH,
    },
    transition,
    'scan-1',
    '2026-11-23T00:00:00.000Z',
  ).entry
}

/** The subject's title part, between "SEVERITY ...: " and " - identifier". */
const titleOf = (subject: string) => subject.slice(subject.indexOf(': ') + 2, subject.lastIndexOf(' - '))

describe('alert subjects name the credential', () => {
  it('gives the password and an access key of the same user distinguishable credential-unused subjects', () => {
    // Prepare
    const password = posture({
      checkId: 'credential-unused',
      resourceId: 'user/alice',
      credentialId: 'password',
    })
    const key = posture({
      checkId: 'credential-unused',
      resourceId: 'user/alice',
      credentialId: 'AKIAIOSFODNN7EXAMPLE',
    })
    // Act
    const subjects = [buildAlert(password).subject, buildAlert(key).subject]
    // Assess
    expect(subjects).toEqual([
      '[iamwatch] MEDIUM OPENED: A credential has not been used... - user/alice, password (123456789012)',
      '[iamwatch] MEDIUM OPENED: A credential has not... - user/alice, AKIAIOSFODNN7EXAMPLE (123456789012)',
    ])
  })

  it('keeps the access key id whole in a resolved subject with its reason', () => {
    // Prepare
    const entry = posture({
      checkId: 'credential-unused',
      resourceId: 'user/alice',
      credentialId: 'AKIAIOSFODNN7EXAMPLE',
      transition: 'RESOLVED',
      resolution: 'credential-gone',
    })
    // Act
    const { subject } = buildAlert(entry)
    // Assess
    expect(subject.length).toBeLessThanOrEqual(100)
    expect(subject).toMatch(/^\[iamwatch\] MEDIUM RESOLVED/)
    expect(subject).toContain(' - user/alice, AKIAIOSFODNN7EXAMPLE (123456789012)')
  })
})

describe('alert subjects of long names', () => {
  it('cuts a long principal at a path boundary with an ellipsis, never inside a name', () => {
    // Prepare
    const role = `Deploy${'Pipeline'.repeat(4)}Role` // 42 characters
    const session = `session-${'0123456789'.repeat(4)}` // 48 characters
    const entry = detection({
      actor: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}` },
    })
    // Act
    const { subject } = buildAlert(entry)
    // Assess
    expect(subject.length).toBeLessThanOrEqual(100)
    expect(subject).toMatch(/^[\x20-\x7e]+$/)
    expect(subject).toContain(` - ${role}/... (${ACCOUNT}`)
    expect(subject).not.toContain('session-')
    const title = titleOf(subject)
    expect('An access key was created for another user'.startsWith(title.replace(/\.\.\.$/, ''))).toBe(true)
    expect(title).toMatch(/^(An access key was created for another user|.*[a-z]\.\.\.)$/)
    expect(title).not.toMatch(/ \.\.\.$/)
  })

  it('keeps a principal whole and shortens the title at a word boundary when the principal fits', () => {
    // Prepare
    const role = 'ci-deploy-role'
    const session = 'GitHubActions-1234567890'
    const entry = detection({
      actor: { type: 'AssumedRole', arn: `arn:aws:sts::${ACCOUNT}:assumed-role/${role}/${session}` },
    })
    // Act
    const { subject } = buildAlert(entry)
    // Assess
    expect(subject).toBe(
      '[iamwatch] HIGH: An access key was... - ci-deploy-role/GitHubActions-1234567890 (123456789012)',
    )
  })

  it('keeps a user name of 40 characters whole in a posture subject, at the cost of the title', () => {
    // Prepare
    const name = `svc.${'a'.repeat(20)}-${'b'.repeat(15)}`
    const entry = posture({ checkId: 'console-user-no-mfa', resourceId: `user/${name}` })
    // Act
    const { subject } = buildAlert(entry)
    // Assess
    expect(subject.length).toBeLessThanOrEqual(100)
    expect(subject).toContain(` - user/${name} (123456789012)`)
  })

  it('is ASCII, at most 100 characters, and keeps any identifier of up to 40 characters whole (property)', () => {
    const identifier = fc.string({
      unit: fc.constantFrom('a', 'B', '-', '/', '.', '@', '_', '=', ',', '+', '9'),
      minLength: 1,
      maxLength: 40,
    })
    fc.assert(
      fc.property(identifier, fc.option(identifier, { nil: undefined }), (resource, credential) => {
        const entry = posture({
          checkId: 'credential-unused',
          resourceId: resource,
          ...(credential ? { credentialId: credential } : {}),
          transition: 'RESOLVED',
          resolution: 'credential-gone',
        })
        const { subject } = buildAlert(entry)
        const id = credential ? `${resource}, ${credential}` : resource
        return (
          subject.length <= 100 &&
          /^[\x20-\x7e]+$/.test(subject) &&
          (id.length > 40 || subject.includes(` - ${id} (`))
        )
      }),
    )
  })

  it('is ASCII and at most 100 characters whatever the actor, account and region (property)', () => {
    const hostile = (maxLength: number) => fc.string({ unit: 'binary', maxLength })
    fc.assert(
      fc.property(hostile(300), hostile(40), hostile(40), (arn, accountId, region) => {
        const entry = detection({ actor: { type: 'IAMUser', arn }, awsRegion: region })
        const { subject } = buildAlert({ ...entry, accountId })
        return subject.length <= 100 && /^[\x20-\x7e]+$/.test(subject)
      }),
    )
  })

  it('cuts a long free text at a word boundary with an ellipsis', () => {
    // Prepare
    const text = `[iamwatch] ${'alpha beta '.repeat(20)}`
    // Act
    const s = safeSubject(text)
    // Assess
    expect(s.length).toBeLessThanOrEqual(100)
    expect(s).toMatch(/ (alpha|beta)\.\.\.$/)
  })
})

describe('alert text built from hostile strings', () => {
  const hostileActor = {
    type: 'IAMUser',
    arn: `arn:aws:iam::${ACCOUNT}:user/ad\u200Dmin\u202Egpj.exe`,
    userName: 'ad\u200Dmin\u202Egpj.exe',
  }
  const hostile = detection({
    actor: hostileActor,
    userAgent: '<!channel> \u2066evil\u2069\u0000\u001b[31m agent\u0085\uFEFF',
    sourceIp: '198.51.100.23\u200B',
    eventName: 'CreateAccessKey\u2028Severity: LOW',
    details: { targetUser: 'bob\u202E\u061C\u180E', note: '<https://evil|click>\r\nRunbook: ignore' },
  })

  it('strips bidi, zero-width and control characters from every line of the text', () => {
    // Act
    const { text } = buildAlert(hostile)
    // Assess
    for (const line of text.split('\n')) expect(line).not.toMatch(INVISIBLE)
    expect(text).toContain('Who:         arn:aws:iam::123456789012:user/admingpj.exe (IAMUser)')
    expect(text).toContain('User agent:  <!channel> evil  [31m agent')
    expect(text).toContain('  targetUser: bob')
    expect(text).not.toMatch(/\nSeverity: LOW|\nRunbook: ignore/)
  })

  it('strips them from the subject, which stays printable ASCII', () => {
    // Act
    const { subject } = buildAlert(hostile)
    // Assess
    expect(subject).toBe(
      '[iamwatch] HIGH: An access key was created for another user - admingpj.exe (123456789012, us-east-1)',
    )
  })

  it('keeps every original string verbatim in the JSON detail', () => {
    // Act
    const { json } = buildAlert(hostile)
    // Assess
    expect(json.occurrence).toEqual(hostile.occurrence)
    expect(JSON.parse(JSON.stringify(json)).occurrence.userAgent).toBe(
      '<!channel> \u2066evil\u2069\u0000\u001b[31m agent\u0085\uFEFF',
    )
    expect(json.principal).toBe(hostileActor.arn)
  })

  it("keeps a posture finding's resource verbatim in the JSON detail and cleans it in the text", () => {
    // Prepare
    const entry = posture({
      checkId: 'credential-unused',
      resourceId: 'user/eve\u202E\u200B',
      credentialId: 'password',
      evidence: { note: 'a\u0000b\u2066c' },
    })
    // Act
    const alert = buildAlert(entry)
    // Assess
    expect(alert.json.resource).toMatchObject({ id: 'user/eve\u202E\u200B' })
    expect(alert.json.evidence).toEqual({ note: 'a\u0000b\u2066c' })
    expect(alert.text).toContain('Resource:   AwsIamUser user/eve\n')
    expect(alert.text).toContain('  note: a bc')
    expect(alert.subject).toContain(' - user/eve, password (123456789012)')
  })
})
