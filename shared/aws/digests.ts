import {
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  type S3ClientConfig,
} from '@aws-sdk/client-s3'
import { digestAccountPrefix, digestDayPrefix, parseDigestKey, type StoredDigest } from '../engine/digest.ts'
import { awsClient, type ClientOverrides, errorCode, mapLimit } from './clients.ts'

/**
 * Is an S3 endpoint configured, explicitly or through the SDK's standard environment
 * (AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS)?
 */
export function s3EndpointConfigured(o: ClientOverrides = {}, env: NodeJS.ProcessEnv = process.env): boolean {
  if (o.endpoint) return true
  if (String(env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS ?? '').toLowerCase() === 'true') return false
  return Boolean(env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL)
}

/**
 * An S3 client from the SDK's standard configuration (AWS_ENDPOINT_URL_S3 locally), path-style
 * (`<endpoint>/<bucket>/<key>`) when an endpoint is configured, as local endpoints serve it;
 * virtual-hosted style against AWS.
 */
export function s3Client(o: ClientOverrides = {}): S3Client {
  const forcePathStyle = s3EndpointConfigured(o)
  const Configured = class extends S3Client {
    constructor(config: S3ClientConfig) {
      super({ ...config, forcePathStyle })
    }
  }
  return awsClient(Configured, 'S3', o)
}

/** The digest bucket as the digest layer uses it: list, read, create once. */
export interface DigestObjects {
  /** Every key (and, with a delimiter, common prefix) under a prefix, ascending. */
  list(
    prefix: string,
    options?: { delimiter?: string; startAfter?: string },
  ): Promise<{ keys: string[]; prefixes: string[] }>
  /** The object's current version, as text; undefined when there is none (or a delete marker). */
  get(key: string): Promise<string | undefined>
  /** Writes the object unless the key has a current version already (If-None-Match: *). */
  create(key: string, body: string): Promise<'created' | 'exists'>
}

/**
 * DigestObjects in an S3 bucket. Writing needs s3:PutObject, reading s3:GetObject, listing
 * s3:ListBucket; the bucket's Object Lock default retention protects every version written.
 */
export class S3DigestObjects implements DigestObjects {
  private readonly s3: S3Client
  readonly bucket: string
  constructor(s3: S3Client, bucket: string) {
    this.s3 = s3
    this.bucket = bucket
  }

  async list(
    prefix: string,
    options: { delimiter?: string; startAfter?: string } = {},
  ): Promise<{ keys: string[]; prefixes: string[] }> {
    const keys: string[] = []
    const prefixes: string[] = []
    let token: string | undefined
    do {
      const out = await this.s3.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(options.delimiter ? { Delimiter: options.delimiter } : {}),
          ...(options.startAfter && !token ? { StartAfter: options.startAfter } : {}),
          ...(token ? { ContinuationToken: token } : {}),
        }),
      )
      for (const o of out.Contents ?? []) if (o.Key) keys.push(o.Key)
      for (const p of out.CommonPrefixes ?? []) if (p.Prefix) prefixes.push(p.Prefix)
      token = out.IsTruncated ? out.NextContinuationToken : undefined
    } while (token)
    return { keys, prefixes }
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const out = await this.s3.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      return (await out.Body?.transformToString()) ?? ''
    } catch (err) {
      if (errorCode(err) === 'NoSuchKey') return undefined
      throw err
    }
  }

  async create(key: string, body: string): Promise<'created' | 'exists'> {
    try {
      await this.s3.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: key,
          Body: body,
          ContentType: 'application/json',
          IfNoneMatch: '*',
          // Object Lock asks for an integrity checksum on every upload to a bucket with retention.
          ChecksumAlgorithm: 'SHA256',
        }),
      )
      return 'created'
    } catch (err) {
      if (errorCode(err) === 'PreconditionFailed') return 'exists'
      throw err
    }
  }
}

/**
 * The newest digest key of an account: down the `<YYYY>/<MM>/<DD>/` prefixes, the newest of each level
 * first, so a few short listings however many digests there are. Undefined when the account has none.
 */
export async function newestDigestKey(
  objects: DigestObjects,
  accountId: string,
): Promise<string | undefined> {
  const newestUnder = async (prefix: string, depth: number): Promise<string | undefined> => {
    const { keys, prefixes } = await objects.list(prefix, { delimiter: '/' })
    if (depth < 4)
      for (const p of [...prefixes].reverse()) {
        const found = await newestUnder(p, depth + 1)
        if (found) return found
      }
    return keys.filter((k) => parseDigestKey(k)?.accountId === accountId).at(-1)
  }
  return newestUnder(digestAccountPrefix(accountId), 0)
}

/**
 * An account's digests, oldest first, read in parallel: all of them, or those from the UTC day of
 * `from` on (a verifier resuming from a checkpoint it trusts).
 */
export async function loadDigests(
  objects: DigestObjects,
  accountId: string,
  options: { from?: string; inFlight?: number } = {},
): Promise<StoredDigest[]> {
  const prefix = digestAccountPrefix(accountId)
  const startAfter = options.from
    ? digestDayPrefix(accountId, new Date(options.from).toISOString())
    : undefined
  const { keys } = await objects.list(prefix, startAfter ? { startAfter } : {})
  const found = await mapLimit(
    keys,
    options.inFlight ?? 8,
    async (key): Promise<StoredDigest | undefined> => {
      const body = await objects.get(key)
      return body === undefined ? undefined : { key, body }
    },
  )
  return found.filter((d): d is StoredDigest => d !== undefined)
}
