import {
  GenerateMacCommand,
  GetPublicKeyCommand,
  KMSClient,
  type MacAlgorithmSpec,
  SignCommand,
  VerifyMacCommand,
} from '@aws-sdk/client-kms'
import { SIGNING_ALGORITHM } from '../engine/digest.ts'
import { awsClient, type ClientOverrides, errorCode } from './clients.ts'

/**
 * KMS for tamper evidence: the asymmetric key that signs the findings digests, and the HMAC key that
 * MACs items. The client comes from the SDK's standard configuration (AWS_ENDPOINT_URL_KMS locally).
 */
export function kmsClient(o: ClientOverrides = {}): KMSClient {
  return awsClient(KMSClient, 'KMS', o)
}

/** Signs SHA-256 digests (32 bytes) with an asymmetric key. */
export interface DigestSigner {
  /** KMS Sign: ECDSA_SHA_256, MessageType DIGEST. The key's ARN, and the DER signature. */
  signDigest(sha256: Uint8Array): Promise<{ keyId: string; signature: Uint8Array }>
}

/** A DigestSigner over a KMS key (ECC_NIST_P256, SIGN_VERIFY); needs kms:Sign on it, nothing else. */
export function kmsDigestSigner(kms: KMSClient, keyId: string): DigestSigner {
  return {
    async signDigest(sha256) {
      if (sha256.length !== 32) throw new Error(`a SHA-256 digest is 32 bytes, not ${sha256.length}`)
      const out = await kms.send(
        new SignCommand({
          KeyId: keyId,
          Message: sha256,
          MessageType: 'DIGEST',
          SigningAlgorithm: SIGNING_ALGORITHM,
        }),
      )
      if (!out.Signature || !out.KeyId) throw new Error(`KMS Sign with ${keyId} returned no signature`)
      return { keyId: out.KeyId, signature: out.Signature }
    },
  }
}

/** A signing key's public half: DER SubjectPublicKeyInfo (kms:GetPublicKey), to verify signatures offline. */
export async function signingPublicKey(
  kms: KMSClient,
  keyId: string,
): Promise<{ keyId: string; publicKey: Uint8Array; keySpec?: string; signingAlgorithms: string[] }> {
  const out = await kms.send(new GetPublicKeyCommand({ KeyId: keyId }))
  if (!out.PublicKey || !out.KeyId) throw new Error(`KMS GetPublicKey of ${keyId} returned no key`)
  if (out.KeyUsage !== 'SIGN_VERIFY') throw new Error(`${out.KeyId} is not a signing key (${out.KeyUsage})`)
  return {
    keyId: out.KeyId,
    publicKey: out.PublicKey,
    ...(out.KeySpec ? { keySpec: out.KeySpec } : {}),
    signingAlgorithms: out.SigningAlgorithms ?? [],
  }
}

/**
 * MACs of items with an HMAC key (GENERATE_VERIFY_MAC): the writers generate (kms:GenerateMac), the
 * auditors verify (kms:VerifyMac); KMS never lets the key out, so a MAC cannot be recomputed by whoever
 * rewrites an item. Messages are at most 4,096 bytes: MAC a hash of a larger item.
 */
export interface ItemMac {
  readonly keyId: string
  readonly algorithm: MacAlgorithmSpec
  generate(message: Uint8Array | string): Promise<Uint8Array>
  /** True when the MAC is the key's for this message; false when KMS says it is not (KMSInvalidMacException). */
  verify(message: Uint8Array | string, mac: Uint8Array): Promise<boolean>
}

const bytes = (m: Uint8Array | string) => (typeof m === 'string' ? Buffer.from(m) : m)

export function kmsItemMac(
  kms: KMSClient,
  keyId: string,
  algorithm: MacAlgorithmSpec = 'HMAC_SHA_256',
): ItemMac {
  return {
    keyId,
    algorithm,
    async generate(message) {
      const out = await kms.send(
        new GenerateMacCommand({ KeyId: keyId, Message: bytes(message), MacAlgorithm: algorithm }),
      )
      if (!out.Mac) throw new Error(`KMS GenerateMac with ${keyId} returned no MAC`)
      return out.Mac
    },
    async verify(message, mac) {
      try {
        const out = await kms.send(
          new VerifyMacCommand({ KeyId: keyId, Message: bytes(message), MacAlgorithm: algorithm, Mac: mac }),
        )
        return out.MacValid === true
      } catch (err) {
        if (errorCode(err) === 'KMSInvalidMacException') return false
        throw err
      }
    },
  }
}
