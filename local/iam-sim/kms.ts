import {
  createHash,
  createHmac,
  generateKeyPairSync,
  type KeyObject,
  randomBytes,
  randomUUID,
  timingSafeEqual,
} from 'node:crypto'
import { signDigest, verifyDigest } from './ecdsa.ts'
import { SimError } from './errors.ts'

/**
 * A wire-level KMS for the simulator: JSON 1.1 (`X-Amz-Target: TrentService.<Action>`), blobs as
 * base64, timestamps as epoch seconds, errors as `{ __type, message }` with HTTP 400, as KMS answers.
 * Real algorithms: HMAC keys (GenerateMac / VerifyMac, node:crypto's HMAC) and elliptic-curve signing
 * keys (node:crypto's key pairs; Sign / Verify are ECDSA with DER signatures, computed over the digest by
 * ./ecdsa.ts since node:crypto only signs what it hashes itself; GetPublicKey is DER
 * SubjectPublicKeyInfo), so what it signs verifies anywhere. Symmetric encryption keys can be created
 * and described (no Encrypt / Decrypt).
 * Keys are regional and belong to the account of the request's caller, as in KMS.
 */

export type SimKeySpec =
  | 'SYMMETRIC_DEFAULT'
  | 'HMAC_224'
  | 'HMAC_256'
  | 'HMAC_384'
  | 'HMAC_512'
  | 'ECC_NIST_P256'
  | 'ECC_NIST_P384'
  | 'ECC_NIST_P521'
export type SimKeyUsage = 'ENCRYPT_DECRYPT' | 'SIGN_VERIFY' | 'GENERATE_VERIFY_MAC'

/** What a key spec is: the usages KMS allows for it, and its algorithms. */
const SPECS: Record<
  SimKeySpec,
  {
    usages: SimKeyUsage[]
    mac?: { algorithm: string; hash: string; bytes: number }
    curve?: { name: string; algorithm: string; hash: string; digestBytes: number }
  }
> = {
  SYMMETRIC_DEFAULT: { usages: ['ENCRYPT_DECRYPT'] },
  HMAC_224: {
    usages: ['GENERATE_VERIFY_MAC'],
    mac: { algorithm: 'HMAC_SHA_224', hash: 'sha224', bytes: 28 },
  },
  HMAC_256: {
    usages: ['GENERATE_VERIFY_MAC'],
    mac: { algorithm: 'HMAC_SHA_256', hash: 'sha256', bytes: 32 },
  },
  HMAC_384: {
    usages: ['GENERATE_VERIFY_MAC'],
    mac: { algorithm: 'HMAC_SHA_384', hash: 'sha384', bytes: 48 },
  },
  HMAC_512: {
    usages: ['GENERATE_VERIFY_MAC'],
    mac: { algorithm: 'HMAC_SHA_512', hash: 'sha512', bytes: 64 },
  },
  ECC_NIST_P256: {
    usages: ['SIGN_VERIFY'],
    curve: { name: 'prime256v1', algorithm: 'ECDSA_SHA_256', hash: 'sha256', digestBytes: 32 },
  },
  ECC_NIST_P384: {
    usages: ['SIGN_VERIFY'],
    curve: { name: 'secp384r1', algorithm: 'ECDSA_SHA_384', hash: 'sha384', digestBytes: 48 },
  },
  ECC_NIST_P521: {
    usages: ['SIGN_VERIFY'],
    curve: { name: 'secp521r1', algorithm: 'ECDSA_SHA_512', hash: 'sha512', digestBytes: 64 },
  },
}

/** How a key is created: by CreateKey, or up front through the simulator's options. */
export interface SimKeyOptions {
  keySpec?: SimKeySpec
  /** Default: the spec's only usage (ENCRYPT_DECRYPT for SYMMETRIC_DEFAULT). */
  keyUsage?: SimKeyUsage
  description?: string
  /** An alias (`alias/name`) pointing at the key. */
  alias?: string
  /** The key's id (a UUID by default): lets a test or the demo name a key before the simulator starts. */
  keyId?: string
  /** The key policy, kept as given (the simulator does not evaluate it). */
  policy?: string
  /** The account that owns it (default: the simulator's first account) and its region (default us-east-1). */
  accountId?: string
  region?: string
}

export interface SimKey {
  keyId: string
  arn: string
  accountId: string
  region: string
  keySpec: SimKeySpec
  keyUsage: SimKeyUsage
  description: string
  creationDate: Date
  enabled: boolean
  policy?: string
  /** HMAC keys: the secret. */
  secret?: Buffer
  /** Signing keys: the key pair. */
  privateKey?: KeyObject
  publicKey?: KeyObject
}

const notFound = (message: string) => new SimError('NotFoundException', 400, message)
const validation = (message: string) => new SimError('ValidationException', 400, message)
const invalidUsage = (message: string) => new SimError('InvalidKeyUsageException', 400, message)
const MAX_MESSAGE = 4096

/** The KMS keys and aliases the simulator serves, for every account and region. */
export class SimKms {
  private readonly keys = new Map<string, SimKey>()
  /** `<account>:<region>:alias/<name>` -> key id. */
  private readonly aliases = new Map<string, string>()
  private readonly clock: () => Date
  readonly defaultAccountId: string

  constructor(defaultAccountId: string, clock: () => Date = () => new Date()) {
    this.defaultAccountId = defaultAccountId
    this.clock = clock
  }

  /** Creates a key (with real key material) and its alias, if one is given. */
  createKey(options: SimKeyOptions = {}): SimKey {
    const keySpec = options.keySpec ?? 'SYMMETRIC_DEFAULT'
    const spec = SPECS[keySpec]
    if (!spec)
      throw validation(
        `1 validation error detected: Value '${keySpec}' at 'keySpec' failed to satisfy constraint`,
      )
    const keyUsage = options.keyUsage ?? spec.usages[0]!
    if (!spec.usages.includes(keyUsage))
      throw validation(`KeyUsage ${keyUsage} is not compatible with KeySpec ${keySpec}`)
    const accountId = options.accountId ?? this.defaultAccountId
    const region = options.region ?? 'us-east-1'
    const keyId = options.keyId ?? randomUUID()
    if (this.keys.has(keyId)) throw new SimError('AlreadyExistsException', 400, `Key ${keyId} already exists`)
    const key: SimKey = {
      keyId,
      arn: `arn:aws:kms:${region}:${accountId}:key/${keyId}`,
      accountId,
      region,
      keySpec,
      keyUsage,
      description: options.description ?? '',
      creationDate: this.clock(),
      enabled: true,
      ...(options.policy !== undefined ? { policy: options.policy } : {}),
    }
    if (spec.mac) key.secret = randomBytes(spec.mac.bytes)
    if (spec.curve) {
      const pair = generateKeyPairSync('ec', { namedCurve: spec.curve.name })
      key.privateKey = pair.privateKey
      key.publicKey = pair.publicKey
    }
    this.keys.set(keyId, key)
    if (options.alias) this.createAlias(accountId, region, options.alias, keyId)
    return key
  }

  createAlias(accountId: string, region: string, alias: string, target: string): void {
    if (!/^alias\/[a-zA-Z0-9/_-]+$/.test(alias) || alias.startsWith('alias/aws/'))
      throw validation(`Alias must start with the prefix "alias/" and be a customer alias: ${alias}`)
    const name = `${accountId}:${region}:${alias}`
    if (this.aliases.has(name))
      throw new SimError(
        'AlreadyExistsException',
        400,
        `An alias with the name arn:aws:kms:${region}:${accountId}:${alias} already exists`,
      )
    this.aliases.set(name, this.resolve(accountId, region, target).keyId)
  }

  /** Every key, for tests and tools. */
  list(): SimKey[] {
    return [...this.keys.values()]
  }

  /**
   * The key a request names, as KMS resolves a KeyId: a key id, key ARN, alias name or alias ARN, in
   * the caller's account and the request's region (an ARN may name another account's key).
   */
  resolve(accountId: string, region: string, ref: unknown): SimKey {
    if (typeof ref !== 'string' || ref === '') throw validation('KeyId is required')
    const arn = /^arn:aws[\w-]*:kms:([^:]+):(\d{12}):(key\/.+|alias\/.+)$/.exec(ref)
    const [inRegion, inAccount, name] = arn ? [arn[1]!, arn[2]!, arn[3]!] : [region, accountId, ref]
    const shown = arn
      ? ref
      : `arn:aws:kms:${region}:${accountId}:${name.startsWith('alias/') ? name : `key/${name}`}`
    if (name.startsWith('alias/')) {
      const target = this.aliases.get(`${inAccount}:${inRegion}:${name}`)
      if (!target) throw notFound(`Alias ${shown} is not found.`)
      return this.keys.get(target)!
    }
    const id = name.startsWith('key/') ? name.slice(4) : name
    const key = this.keys.get(id)
    if (!key || key.accountId !== inAccount || key.region !== inRegion)
      throw notFound(`Key '${shown}' does not exist`)
    return key
  }

  /** The JSON 1.1 actions, by name. */
  readonly actions: Record<
    string,
    (accountId: string, region: string, body: Record<string, unknown>) => object
  > = {
    CreateKey: (accountId, region, body) => {
      const keySpec = (body.KeySpec ?? body.CustomerMasterKeySpec ?? 'SYMMETRIC_DEFAULT') as SimKeySpec
      if (!SPECS[keySpec]) throw validation(`KeySpec ${keySpec} is not supported by the simulator`)
      const key = this.createKey({
        keySpec,
        ...(body.KeyUsage ? { keyUsage: body.KeyUsage as SimKeyUsage } : {}),
        ...(typeof body.Description === 'string' ? { description: body.Description } : {}),
        ...(typeof body.Policy === 'string' ? { policy: body.Policy } : {}),
        accountId,
        region,
      })
      return { KeyMetadata: metadata(key) }
    },
    CreateAlias: (accountId, region, body) => {
      this.createAlias(accountId, region, String(body.AliasName ?? ''), String(body.TargetKeyId ?? ''))
      return {}
    },
    DescribeKey: (accountId, region, body) => ({
      KeyMetadata: metadata(this.resolve(accountId, region, body.KeyId)),
    }),
    GetPublicKey: (accountId, region, body) => {
      const key = this.usable(accountId, region, body.KeyId)
      if (!key.publicKey)
        throw new SimError(
          'UnsupportedOperationException',
          400,
          `${key.arn} key usage is ${key.keyUsage} which is not valid for GetPublicKey.`,
        )
      return {
        KeyId: key.arn,
        PublicKey: key.publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
        CustomerMasterKeySpec: key.keySpec,
        KeySpec: key.keySpec,
        KeyUsage: key.keyUsage,
        SigningAlgorithms: [SPECS[key.keySpec].curve!.algorithm],
      }
    },
    GenerateMac: (accountId, region, body) => {
      const { key, mac } = this.macKey(accountId, region, body, 'GenerateMac')
      return {
        KeyId: key.arn,
        Mac: createHmac(mac.hash, key.secret!).update(message(body)).digest().toString('base64'),
        MacAlgorithm: mac.algorithm,
      }
    },
    VerifyMac: (accountId, region, body) => {
      const { key, mac } = this.macKey(accountId, region, body, 'VerifyMac')
      const expected = createHmac(mac.hash, key.secret!).update(message(body)).digest()
      const given = blob(body.Mac, 'Mac')
      if (given.length !== expected.length || !timingSafeEqual(given, expected))
        throw new SimError('KMSInvalidMacException', 400, 'The MAC is not valid for the message and key.')
      return { KeyId: key.arn, MacValid: true, MacAlgorithm: mac.algorithm }
    },
    Sign: (accountId, region, body) => {
      const { key, curve, digest } = this.signing(accountId, region, body, 'Sign')
      return {
        KeyId: key.arn,
        Signature: signDigest(key.privateKey!, digest).toString('base64'),
        SigningAlgorithm: curve.algorithm,
      }
    },
    Verify: (accountId, region, body) => {
      const { key, curve, digest } = this.signing(accountId, region, body, 'Verify')
      const signature = blob(body.Signature, 'Signature')
      if (!verifyDigest(key.publicKey!, digest, signature))
        throw new SimError(
          'KMSInvalidSignatureException',
          400,
          'The signature is not valid for the message, signing algorithm and key.',
        )
      return { KeyId: key.arn, SignatureValid: true, SigningAlgorithm: curve.algorithm }
    },
  }

  private usable(accountId: string, region: string, ref: unknown): SimKey {
    const key = this.resolve(accountId, region, ref)
    if (!key.enabled) throw new SimError('DisabledException', 400, `${key.arn} is disabled.`)
    return key
  }

  private macKey(accountId: string, region: string, body: Record<string, unknown>, action: string) {
    const key = this.usable(accountId, region, body.KeyId)
    const mac = SPECS[key.keySpec].mac
    if (key.keyUsage !== 'GENERATE_VERIFY_MAC' || !mac)
      throw invalidUsage(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${action}.`)
    if (body.MacAlgorithm !== mac.algorithm)
      throw invalidUsage(
        `Algorithm ${String(body.MacAlgorithm)} is incompatible with key spec ${key.keySpec}; use ${mac.algorithm}.`,
      )
    return { key, mac }
  }

  /** The key and the digest to sign or verify: the message hashed (RAW) or given (DIGEST, of the algorithm's length). */
  private signing(accountId: string, region: string, body: Record<string, unknown>, action: string) {
    const key = this.usable(accountId, region, body.KeyId)
    const curve = SPECS[key.keySpec].curve
    if (key.keyUsage !== 'SIGN_VERIFY' || !curve)
      throw invalidUsage(`${key.arn} key usage is ${key.keyUsage} which is not valid for ${action}.`)
    if (body.SigningAlgorithm !== curve.algorithm)
      throw invalidUsage(
        `Algorithm ${String(body.SigningAlgorithm)} is incompatible with key spec ${key.keySpec}; use ${curve.algorithm}.`,
      )
    const msg = message(body)
    const type = body.MessageType ?? 'RAW'
    if (type !== 'RAW' && type !== 'DIGEST')
      throw validation(`MessageType ${String(type)} is not valid for ${curve.algorithm}`)
    if (type === 'DIGEST' && msg.length !== curve.digestBytes)
      throw validation(
        `Digest is invalid length for algorithm ${curve.algorithm}: expected ${curve.digestBytes} bytes, got ${msg.length}.`,
      )
    const digest = type === 'DIGEST' ? msg : createHash(curve.hash).update(msg).digest()
    return { key, curve, digest }
  }
}

function blob(value: unknown, name: string): Buffer {
  if (typeof value !== 'string' || value === '') throw validation(`${name} is required`)
  return Buffer.from(value, 'base64')
}

function message(body: Record<string, unknown>): Buffer {
  const msg = blob(body.Message, 'Message')
  if (msg.length > MAX_MESSAGE)
    throw validation(
      `1 validation error detected: Value at 'message' failed to satisfy constraint: Member must have length less than or equal to ${MAX_MESSAGE}`,
    )
  return msg
}

/** KeyMetadata as DescribeKey and CreateKey return it. */
function metadata(key: SimKey): Record<string, unknown> {
  const spec = SPECS[key.keySpec]
  return {
    AWSAccountId: key.accountId,
    KeyId: key.keyId,
    Arn: key.arn,
    CreationDate: key.creationDate.getTime() / 1000,
    Enabled: key.enabled,
    Description: key.description,
    KeyUsage: key.keyUsage,
    KeyState: key.enabled ? 'Enabled' : 'Disabled',
    Origin: 'AWS_KMS',
    KeyManager: 'CUSTOMER',
    CustomerMasterKeySpec: key.keySpec,
    KeySpec: key.keySpec,
    MultiRegion: false,
    ...(key.keySpec === 'SYMMETRIC_DEFAULT' ? { EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'] } : {}),
    ...(spec.curve ? { SigningAlgorithms: [spec.curve.algorithm] } : {}),
    ...(spec.mac ? { MacAlgorithms: [spec.mac.algorithm] } : {}),
  }
}
