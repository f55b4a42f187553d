import { createHash, createPublicKey, verify } from 'node:crypto'
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  SignCommand,
  VerifyCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms'
import { afterEach, describe, expect, it } from 'vitest'
import { AccountBuilder } from '../../local/iam-sim/builder.ts'
import { roleSession } from '../../local/iam-sim/identity.ts'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { kmsDigestSigner, kmsItemMac, signingPublicKey } from '../../shared/aws/kms.ts'
import { ACCOUNT, ADMIN_KEY, adminAccount, refusal } from './sdk.ts'

/** The simulator's KMS (JSON 1.1, TrentService), through the real SDK client, checked with node:crypto. */
let sim: IamSimulator
afterEach(async () => sim?.stop())

const kmsAs = (
  s: IamSimulator,
  key: string | { accessKeyId: string; secretAccessKey: string; sessionToken?: string } = ADMIN_KEY,
  region = 'us-east-1',
) =>
  new KMSClient({
    endpoint: s.endpoint,
    region,
    maxAttempts: 1,
    credentials: typeof key === 'string' ? { accessKeyId: key, secretAccessKey: 'not-checked' } : key,
  })

const spki = (der: Uint8Array) => createPublicKey({ key: Buffer.from(der), format: 'der', type: 'spki' })

describe('KMS HMAC keys', () => {
  it('generates a MAC that VerifyMac accepts and that is HMAC-SHA-256 of the message', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const kms = kmsAs(sim)
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'HMAC_256', KeyUsage: 'GENERATE_VERIFY_MAC' }),
    )
    const keyId = created.KeyMetadata!.KeyId!
    // Act
    const mac = await kms.send(
      new GenerateMacCommand({ KeyId: keyId, Message: Buffer.from('item 1'), MacAlgorithm: 'HMAC_SHA_256' }),
    )
    const verified = await kms.send(
      new VerifyMacCommand({
        KeyId: keyId,
        Message: Buffer.from('item 1'),
        MacAlgorithm: 'HMAC_SHA_256',
        Mac: mac.Mac,
      }),
    )
    // Assess
    expect(created.KeyMetadata).toMatchObject({
      AWSAccountId: ACCOUNT,
      Arn: `arn:aws:kms:us-east-1:${ACCOUNT}:key/${keyId}`,
      KeySpec: 'HMAC_256',
      KeyUsage: 'GENERATE_VERIFY_MAC',
      KeyState: 'Enabled',
      MacAlgorithms: ['HMAC_SHA_256'],
    })
    expect(created.KeyMetadata!.CreationDate).toBeInstanceOf(Date)
    expect(mac).toMatchObject({ KeyId: created.KeyMetadata!.Arn, MacAlgorithm: 'HMAC_SHA_256' })
    expect(mac.Mac).toHaveLength(32)
    expect(verified).toMatchObject({ MacValid: true, KeyId: created.KeyMetadata!.Arn })
  })

  it('refuses a tampered message, a tampered MAC, and the wrong algorithm, as KMS does', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount(), {
      kmsKeys: [{ keySpec: 'HMAC_256', alias: 'alias/item-mac' }],
    })
    const kms = kmsAs(sim)
    const mac = kmsItemMac(kms, 'alias/item-mac')
    const good = await mac.generate('seq=3 hash=abc')
    const bad = Buffer.from(good)
    bad[0]! ^= 1
    // Act
    const tamperedMessage = await refusal(
      kms.send(
        new VerifyMacCommand({
          KeyId: 'alias/item-mac',
          Message: Buffer.from('seq=3 hash=abd'),
          MacAlgorithm: 'HMAC_SHA_256',
          Mac: good,
        }),
      ),
    )
    const wrongAlgorithm = await refusal(
      kms.send(
        new GenerateMacCommand({
          KeyId: 'alias/item-mac',
          Message: Buffer.from('x'),
          MacAlgorithm: 'HMAC_SHA_512',
        }),
      ),
    )
    // Assess
    expect(await mac.verify('seq=3 hash=abc', good)).toBe(true)
    expect(await mac.verify('seq=3 hash=abd', good)).toBe(false)
    expect(await mac.verify('seq=3 hash=abc', bad)).toBe(false)
    expect(tamperedMessage).toMatchObject({ name: 'KMSInvalidMacException', status: 400 })
    expect(wrongAlgorithm).toMatchObject({ name: 'InvalidKeyUsageException', status: 400 })
  })
})

describe('KMS signing keys', () => {
  it('signs RAW messages and DIGESTs with ECDSA P-256; node:crypto verifies them with the public key GetPublicKey returns', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount())
    const kms = kmsAs(sim)
    const created = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' }),
    )
    const keyId = created.KeyMetadata!.Arn!
    const message = Buffer.from('{"version":1}')
    // Act
    const raw = await kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: message,
        MessageType: 'RAW',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    )
    const digest = await kms.send(
      new SignCommand({
        KeyId: keyId,
        Message: createHash('sha256').update(message).digest(),
        MessageType: 'DIGEST',
        SigningAlgorithm: 'ECDSA_SHA_256',
      }),
    )
    const pub = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))
    // Assess: independently of the simulator, with node:crypto and the DER SubjectPublicKeyInfo
    const key = spki(pub.PublicKey!)
    expect(key.asymmetricKeyType).toBe('ec')
    expect(key.asymmetricKeyDetails).toMatchObject({ namedCurve: 'prime256v1' })
    expect(pub).toMatchObject({ KeyId: keyId, KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY' })
    expect(pub.SigningAlgorithms).toEqual(['ECDSA_SHA_256'])
    for (const s of [raw, digest]) {
      expect(s).toMatchObject({ KeyId: keyId, SigningAlgorithm: 'ECDSA_SHA_256' })
      // DER: SEQUENCE of two INTEGERs
      expect(s.Signature![0]).toBe(0x30)
      expect(verify('sha256', message, { key, dsaEncoding: 'der' }, Buffer.from(s.Signature!))).toBe(true)
      expect(verify('sha256', Buffer.from('{"version":2}'), key, Buffer.from(s.Signature!))).toBe(false)
    }
  })

  it('verifies its own signatures, and answers KMSInvalidSignatureException for a changed message', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount(), {
      kmsKeys: [{ keySpec: 'ECC_NIST_P256', keyUsage: 'SIGN_VERIFY', alias: 'alias/digests' }],
    })
    const kms = kmsAs(sim)
    const signer = kmsDigestSigner(kms, 'alias/digests')
    const sha = createHash('sha256').update('document').digest()
    const { keyId, signature } = await signer.signDigest(sha)
    const verifyOf = (m: Buffer) =>
      kms.send(
        new VerifyCommand({
          KeyId: keyId,
          Message: m,
          MessageType: 'DIGEST',
          Signature: signature,
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      )
    // Act
    const ok = await verifyOf(sha)
    const changed = await refusal(verifyOf(createHash('sha256').update('document!').digest()))
    const shortDigest = await refusal(
      kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: Buffer.alloc(20),
          MessageType: 'DIGEST',
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    )
    // Assess
    expect(keyId).toBe(sim.kms.list()[0]!.arn)
    expect(ok).toMatchObject({ SignatureValid: true, SigningAlgorithm: 'ECDSA_SHA_256' })
    expect(changed).toMatchObject({ name: 'KMSInvalidSignatureException', status: 400 })
    expect(shortDigest).toMatchObject({ name: 'ValidationException', status: 400 })
    const pub = await signingPublicKey(kms, 'alias/digests')
    expect(verify('sha256', Buffer.from('document'), spki(pub.publicKey), Buffer.from(signature))).toBe(true)
  })

  it('refuses to MAC with a signing key, to sign with a MAC key, and answers NotFoundException for unknown keys', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount(), {
      kmsKeys: [
        { keySpec: 'ECC_NIST_P256', keyId: '11111111-1111-1111-1111-111111111111' },
        { keySpec: 'HMAC_256', keyId: '22222222-2222-2222-2222-222222222222' },
      ],
    })
    const kms = kmsAs(sim)
    // Act
    const macWithSigning = await refusal(
      kms.send(
        new GenerateMacCommand({
          KeyId: '11111111-1111-1111-1111-111111111111',
          Message: Buffer.from('x'),
          MacAlgorithm: 'HMAC_SHA_256',
        }),
      ),
    )
    const signWithMac = await refusal(
      kms.send(
        new SignCommand({
          KeyId: '22222222-2222-2222-2222-222222222222',
          Message: Buffer.from('x'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    )
    const publicOfMac = await refusal(
      kms.send(new GetPublicKeyCommand({ KeyId: '22222222-2222-2222-2222-222222222222' })),
    )
    const unknown = await refusal(
      kms.send(new DescribeKeyCommand({ KeyId: '33333333-3333-3333-3333-333333333333' })),
    )
    const unknownAlias = await refusal(
      kms.send(
        new SignCommand({
          KeyId: 'alias/nope',
          Message: Buffer.from('x'),
          SigningAlgorithm: 'ECDSA_SHA_256',
        }),
      ),
    )
    const otherRegion = await refusal(
      kmsAs(sim, ADMIN_KEY, 'eu-west-1').send(
        new DescribeKeyCommand({ KeyId: '11111111-1111-1111-1111-111111111111' }),
      ),
    )
    // Assess
    expect(macWithSigning).toMatchObject({ name: 'InvalidKeyUsageException', status: 400 })
    expect(signWithMac).toMatchObject({ name: 'InvalidKeyUsageException', status: 400 })
    expect(publicOfMac).toMatchObject({ name: 'UnsupportedOperationException' })
    expect(unknown).toMatchObject({ name: 'NotFoundException', status: 400 })
    expect(unknown.message).toBe(
      `Key 'arn:aws:kms:us-east-1:${ACCOUNT}:key/33333333-3333-3333-3333-333333333333' does not exist`,
    )
    expect(unknownAlias).toMatchObject({ name: 'NotFoundException' })
    // Keys are regional
    expect(otherRegion).toMatchObject({ name: 'NotFoundException' })
  })

  it('describes keys by id, ARN, alias and alias ARN, and serves each caller its own account’s keys', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount(), { strictCredentials: true })
    const kms = kmsAs(sim)
    const { KeyMetadata: made } = await kms.send(
      new CreateKeyCommand({ KeySpec: 'ECC_NIST_P256', KeyUsage: 'SIGN_VERIFY', Description: 'digests' }),
    )
    await kms.send(new CreateAliasCommand({ AliasName: 'alias/digests', TargetKeyId: made!.KeyId }))
    sim.addAccount(new AccountBuilder('210987654321').build())
    const stranger = roleSession('210987654321', 'Admin', 'other')
    sim.addCredentials(stranger)
    // Act
    const found = await Promise.all(
      [made!.KeyId!, made!.Arn!, 'alias/digests', `arn:aws:kms:us-east-1:${ACCOUNT}:alias/digests`].map(
        (id) => kms.send(new DescribeKeyCommand({ KeyId: id })),
      ),
    )
    const elsewhere = await refusal(kmsAs(sim, stranger).send(new DescribeKeyCommand({ KeyId: made!.KeyId })))
    const unsigned = await refusal(
      kmsAs(sim, 'AKIAUNKNOWNKEY000001').send(new DescribeKeyCommand({ KeyId: made!.KeyId })),
    )
    // Assess
    for (const f of found)
      expect(f.KeyMetadata).toMatchObject({
        KeyId: made!.KeyId,
        Description: 'digests',
        SigningAlgorithms: ['ECDSA_SHA_256'],
        KeyManager: 'CUSTOMER',
        Origin: 'AWS_KMS',
      })
    // Another account does not see the key by its id; an unknown access key reaches nothing
    expect(elsewhere).toMatchObject({ name: 'NotFoundException' })
    expect(elsewhere.message).toContain('arn:aws:kms:us-east-1:210987654321:key/')
    expect(unsigned).toMatchObject({ name: 'UnrecognizedClientException' })
  })
})
