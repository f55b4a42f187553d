import { createECDH, type KeyObject, randomBytes } from 'node:crypto'

/**
 * ECDSA over a digest already computed (KMS's MessageType DIGEST), on the NIST curves. node:crypto only
 * signs messages it hashes itself (a null algorithm hashes with the curve's default digest too), so the
 * signature equation is computed here with BigInt: r = (kG).x mod n, s = k⁻¹(z + rd) mod n, DER-encoded
 * as KMS returns it. The curve's generator comes from node:crypto (the public key of private key 1), its
 * prime and order are the standard ones (SEC 2 / FIPS 186-4); signatures made here verify with
 * node:crypto's own `verify(hash, message, publicKey, signature)` (test/simulator/kms.test.ts).
 */
interface Curve {
  p: bigint
  n: bigint
  g: Jacobian
}

const CURVES: Record<string, { p: bigint; n: bigint }> = {
  prime256v1: {
    p: 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n,
    n: 0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551n,
  },
  secp384r1: {
    p: 2n ** 384n - 2n ** 128n - 2n ** 96n + 2n ** 32n - 1n,
    n: 0xffffffffffffffffffffffffffffffffffffffffffffffffc7634d81f4372ddf581a0db248b0a77aecec196accc52973n,
  },
  secp521r1: {
    p: 2n ** 521n - 1n,
    n: 0x1fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffa51868783bf2f966b7fcc0148f709a5d03bb5c9b8899c47aebb6fb71e91386409n,
  },
}

const cache = new Map<string, Curve>()

function curve(name: string): Curve {
  const known = cache.get(name)
  if (known) return known
  const params = CURVES[name]
  if (!params) throw new Error(`unsupported curve ${name}`)
  const ecdh = createECDH(name)
  const size = byteLength(params.p)
  ecdh.setPrivateKey(toBytes(1n, size))
  const g = ecdh.getPublicKey()
  const made = { ...params, g: jacobian(toBigInt(g.subarray(1, 1 + size)), toBigInt(g.subarray(1 + size))) }
  cache.set(name, made)
  return made
}

const byteLength = (n: bigint) => Math.ceil(n.toString(16).length / 2)
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m

function toBigInt(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`)
}

function toBytes(n: bigint, size: number): Buffer {
  return Buffer.from(n.toString(16).padStart(size * 2, '0'), 'hex')
}

function invert(a: bigint, m: bigint): bigint {
  let [r0, r1] = [mod(a, m), m]
  let [s0, s1] = [1n, 0n]
  while (r1 !== 0n) {
    const q = r0 / r1
    ;[r0, r1] = [r1, r0 - q * r1]
    ;[s0, s1] = [s1, s0 - q * s1]
  }
  return mod(s0, m)
}

/** A point in Jacobian coordinates (x = X/Z², y = Y/Z³); Z = 0 is the point at infinity. */
type Jacobian = { X: bigint; Y: bigint; Z: bigint }
const INFINITY: Jacobian = { X: 1n, Y: 1n, Z: 0n }

/** Doubling on y² = x³ - 3x + b (every NIST prime curve has a = -3): dbl-2001-b. */
function double(c: Curve, a: Jacobian): Jacobian {
  if (a.Z === 0n || a.Y === 0n) return INFINITY
  const { p } = c
  const delta = mod(a.Z * a.Z, p)
  const gamma = mod(a.Y * a.Y, p)
  const beta = mod(a.X * gamma, p)
  const alpha = mod(3n * (a.X - delta) * (a.X + delta), p)
  const X = mod(alpha * alpha - 8n * beta, p)
  const Z = mod((a.Y + a.Z) ** 2n - gamma - delta, p)
  const Y = mod(alpha * (4n * beta - X) - 8n * gamma * gamma, p)
  return { X, Y, Z }
}

/** Addition: add-2007-bl. */
function add(c: Curve, a: Jacobian, b: Jacobian): Jacobian {
  if (a.Z === 0n) return b
  if (b.Z === 0n) return a
  const { p } = c
  const z1z1 = mod(a.Z * a.Z, p)
  const z2z2 = mod(b.Z * b.Z, p)
  const u1 = mod(a.X * z2z2, p)
  const u2 = mod(b.X * z1z1, p)
  const s1 = mod(a.Y * b.Z * z2z2, p)
  const s2 = mod(b.Y * a.Z * z1z1, p)
  const h = mod(u2 - u1, p)
  const r = mod(2n * (s2 - s1), p)
  if (h === 0n) return r === 0n ? double(c, a) : INFINITY
  const i = mod(4n * h * h, p)
  const j = mod(h * i, p)
  const v = mod(u1 * i, p)
  const X = mod(r * r - j - 2n * v, p)
  const Y = mod(r * (v - X) - 2n * s1 * j, p)
  const Z = mod(((a.Z + b.Z) ** 2n - z1z1 - z2z2) * h, p)
  return { X, Y, Z }
}

function multiply(c: Curve, k: bigint, point: Jacobian): Jacobian {
  let result = INFINITY
  for (let bit = BigInt(k.toString(2).length - 1); bit >= 0n; bit--) {
    result = double(c, result)
    if ((k >> bit) & 1n) result = add(c, result, point)
  }
  return result
}

const jacobian = (x: bigint, y: bigint): Jacobian => ({ X: x, Y: y, Z: 1n })

/** The affine x of a point (undefined at infinity). */
function affineX(c: Curve, a: Jacobian): bigint | undefined {
  if (a.Z === 0n) return undefined
  const zInv = invert(a.Z, c.p)
  return mod(a.X * zInv * zInv, c.p)
}

/** The digest as the integer ECDSA signs: its leftmost bits, as many as the order has (FIPS 186-4 6.4). */
function digestInteger(c: Curve, digest: Uint8Array): bigint {
  const z = toBigInt(digest)
  const excess = digest.length * 8 - c.n.toString(2).length
  return excess > 0 ? z >> BigInt(excess) : z
}

const jwk = (key: KeyObject) =>
  key.export({ format: 'jwk' }) as { crv?: string; d?: string; x?: string; y?: string }
const curveName = (crv: string | undefined) =>
  ({ 'P-256': 'prime256v1', 'P-384': 'secp384r1', 'P-521': 'secp521r1' })[crv ?? ''] ?? `unknown ${crv}`
const b64url = (s: string | undefined) => toBigInt(Buffer.from(s ?? '', 'base64url'))

/** Signs a digest with an EC private key: a DER-encoded ECDSA signature. */
export function signDigest(privateKey: KeyObject, digest: Uint8Array): Buffer {
  const k = jwk(privateKey)
  const c = curve(curveName(k.crv))
  const d = b64url(k.d)
  const z = digestInteger(c, digest)
  for (;;) {
    const nonce = mod(toBigInt(randomBytes(byteLength(c.n) + 8)), c.n - 1n) + 1n
    const r = mod(affineX(c, multiply(c, nonce, c.g))!, c.n)
    if (r === 0n) continue
    const s = mod(invert(nonce, c.n) * (z + r * d), c.n)
    if (s === 0n) continue
    return derSignature(r, s)
  }
}

/** Verifies a DER-encoded ECDSA signature of a digest with an EC public key. */
export function verifyDigest(publicKey: KeyObject, digest: Uint8Array, signature: Uint8Array): boolean {
  const k = jwk(publicKey)
  const c = curve(curveName(k.crv))
  const parsed = parseDerSignature(signature)
  if (!parsed) return false
  const { r, s } = parsed
  if (r < 1n || r >= c.n || s < 1n || s >= c.n) return false
  const w = invert(s, c.n)
  const z = digestInteger(c, digest)
  const q = jacobian(b64url(k.x), b64url(k.y))
  const x = affineX(c, add(c, multiply(c, mod(z * w, c.n), c.g), multiply(c, mod(r * w, c.n), q)))
  return x !== undefined && mod(x, c.n) === r
}

function derInteger(n: bigint): Buffer {
  let bytes = Buffer.from(n.toString(16).padStart(Math.ceil(n.toString(16).length / 2) * 2, '0'), 'hex')
  if (bytes[0]! & 0x80) bytes = Buffer.concat([Buffer.from([0]), bytes])
  return Buffer.concat([Buffer.from([0x02]), derLength(bytes.length), bytes])
}

function derLength(n: number): Buffer {
  return n < 0x80 ? Buffer.from([n]) : Buffer.from([0x81, n])
}

function derSignature(r: bigint, s: bigint): Buffer {
  const body = Buffer.concat([derInteger(r), derInteger(s)])
  return Buffer.concat([Buffer.from([0x30]), derLength(body.length), body])
}

/** SEQUENCE { INTEGER r, INTEGER s }, strictly: anything else (trailing bytes too) is not a signature. */
function parseDerSignature(sig: Uint8Array): { r: bigint; s: bigint } | undefined {
  let at = 0
  const length = (): number | undefined => {
    const first = sig[at++]
    if (first === undefined) return undefined
    if (first < 0x80) return first
    if (first !== 0x81) return undefined
    return sig[at++]
  }
  const integer = (): bigint | undefined => {
    if (sig[at++] !== 0x02) return undefined
    const len = length()
    if (len === undefined || len === 0 || at + len > sig.length) return undefined
    const value = toBigInt(sig.subarray(at, at + len))
    at += len
    return value
  }
  if (sig[at++] !== 0x30) return undefined
  const total = length()
  if (total === undefined || at + total !== sig.length) return undefined
  const r = integer()
  const s = integer()
  if (r === undefined || s === undefined || at !== sig.length) return undefined
  return { r, s }
}
