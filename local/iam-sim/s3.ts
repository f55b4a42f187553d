import { createHash, randomBytes } from 'node:crypto'
import type { IncomingHttpHeaders } from 'node:http'
import { SimError } from './errors.ts'

/**
 * A wire-level S3 for the simulator: REST-XML, path-style (`/<bucket>/<key>`, the SDK's
 * `forcePathStyle: true`), with versioning and Object Lock as S3 enforces them:
 * - a bucket created with `x-amz-bucket-object-lock-enabled: true` has versioning enabled, which can
 *   then not be suspended; a default retention (COMPLIANCE or GOVERNANCE, days or years) applies to
 *   every version put without its own retention headers;
 * - putting an object under an existing key adds a version (the locked one stays as it was);
 * - deleting without a version id adds a delete marker (allowed even under retention: the versions stay);
 * - deleting a version under COMPLIANCE retention (or GOVERNANCE without the bypass header, or a legal
 *   hold) is refused with 403 AccessDenied;
 * - `If-None-Match: *` on PutObject refuses (412) to write over a current object.
 * Bucket policies, encryption and public access blocks are kept and returned, not enforced. Errors are
 * S3's XML (`<Error><Code>...`), with no body for HEAD.
 */

export type LockMode = 'COMPLIANCE' | 'GOVERNANCE'

export interface DefaultRetention {
  mode: LockMode
  days?: number
  years?: number
}

/** How a bucket is created up front, through the simulator's options. */
export interface SimBucketOptions {
  name: string
  /** Object Lock enabled (implies versioning); with a default retention when one is given. */
  objectLock?: boolean | DefaultRetention
  /** Versioning enabled without Object Lock. */
  versioning?: boolean
  accountId?: string
  region?: string
}

export interface SimObjectVersion {
  key: string
  versionId: string
  deleteMarker: boolean
  body: Buffer
  etag: string
  lastModified: Date
  contentType: string
  metadata: Record<string, string>
  retention?: { mode: LockMode; until: Date }
  legalHold?: boolean
  sse?: { algorithm: string; keyId?: string }
}

export interface SimBucket {
  name: string
  accountId: string
  region: string
  created: Date
  versioning?: 'Enabled' | 'Suspended'
  objectLock?: { rule?: DefaultRetention }
  policy?: string
  encryption?: string
  publicAccessBlock?: string
  /** Versions of each key, oldest first; the last is the current one (maybe a delete marker). */
  objects: Map<string, SimObjectVersion[]>
}

export interface S3Request {
  method: string
  url: URL
  headers: IncomingHttpHeaders
  body: Buffer
  /** The caller's account: a bucket it creates is its own. */
  accountId: string
  requestId: string
}

export interface S3Response {
  status: number
  headers: Record<string, string>
  body?: string | Buffer
}

/** An S3 error: code, status, message, and the resource it names (`<Key>`, `<BucketName>`). */
export class S3Error extends SimError {
  readonly extra: Record<string, string>
  constructor(code: string, status: number, message: string, extra: Record<string, string> = {}) {
    super(code, status, message)
    this.extra = extra
  }
}

const NS = 'http://s3.amazonaws.com/doc/2006-03-01/'
const noSuchBucket = (name: string) =>
  new S3Error('NoSuchBucket', 404, 'The specified bucket does not exist', { BucketName: name })
const noSuchKey = (key: string) =>
  new S3Error('NoSuchKey', 404, 'The specified key does not exist.', { Key: key })
const malformed = () =>
  new S3Error(
    'MalformedXML',
    400,
    'The XML you provided was not well-formed or did not validate against our published schema',
  )
const notImplemented = (what: string) =>
  new S3Error(
    'NotImplemented',
    501,
    `A header or query you provided implies functionality that is not implemented: ${what}`,
  )

export function escapeXml(s: string): string {
  return s
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
}

/** The text of the first `<name>` element of a small XML document (request bodies are that simple). */
function element(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}(?:\\s[^>]*)?>([\\s\\S]*?)</${name}>`).exec(xml)
  return m?.[1]?.trim()
}

function xmlDocument(root: string, inner: string): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${root} xmlns="${NS}">${inner}</${root}>`
}

const tag = (name: string, value: string | number | boolean) =>
  `<${name}>${escapeXml(String(value))}</${name}>`

/** S3's error document. */
export function s3ErrorXml(e: SimError, requestId: string): string {
  const extra = e instanceof S3Error ? Object.entries(e.extra).map(([k, v]) => tag(k, v)) : []
  return `<?xml version="1.0" encoding="UTF-8"?>\n<Error>${tag('Code', e.code)}${tag('Message', e.message)}${extra.join('')}${tag('RequestId', requestId)}${tag('HostId', requestId)}</Error>`
}

const newVersionId = () => randomBytes(24).toString('base64url')
const httpDate = (d: Date) => d.toUTCString()

/**
 * The request's body as sent: aws-chunked bodies (streaming SigV4, or unsigned payloads with trailing
 * checksums) are decoded to their data.
 */
export function decodeBody(headers: IncomingHttpHeaders, body: Buffer): Buffer {
  const sha = String(headers['x-amz-content-sha256'] ?? '')
  const encoding = String(headers['content-encoding'] ?? '')
  if (!sha.startsWith('STREAMING-') && !encoding.split(',').some((e) => e.trim() === 'aws-chunked'))
    return body
  const parts: Buffer[] = []
  let at = 0
  for (;;) {
    const eol = body.indexOf('\r\n', at)
    if (eol < 0) throw new S3Error('IncompleteBody', 400, 'The request body terminated unexpectedly')
    const size = Number.parseInt(body.subarray(at, eol).toString().split(';')[0]!, 16)
    if (!Number.isFinite(size)) throw new S3Error('IncompleteBody', 400, 'The chunk size is not valid')
    at = eol + 2
    if (size === 0) break
    parts.push(body.subarray(at, at + size))
    at += size + 2
  }
  return Buffer.concat(parts)
}

/** The buckets the simulator serves (one namespace, as S3's is global), with their objects. */
export class SimS3 {
  readonly buckets = new Map<string, SimBucket>()
  private readonly clock: () => Date
  readonly defaultAccountId: string

  constructor(defaultAccountId: string, clock: () => Date = () => new Date()) {
    this.defaultAccountId = defaultAccountId
    this.clock = clock
  }

  createBucket(options: SimBucketOptions): SimBucket {
    const { name } = options
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) || name.includes('..'))
      throw new S3Error('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: name })
    const accountId = options.accountId ?? this.defaultAccountId
    const existing = this.buckets.get(name)
    if (existing)
      throw existing.accountId === accountId
        ? new S3Error(
            'BucketAlreadyOwnedByYou',
            409,
            'Your previous request to create the named bucket succeeded and you already own it.',
            { BucketName: name },
          )
        : new S3Error(
            'BucketAlreadyExists',
            409,
            'The requested bucket name is not available. The bucket namespace is shared by all users of the system. Please select a different name and try again.',
            { BucketName: name },
          )
    const lock = options.objectLock
    const bucket: SimBucket = {
      name,
      accountId,
      region: options.region ?? 'us-east-1',
      created: this.clock(),
      objects: new Map(),
      ...(lock || options.versioning ? { versioning: 'Enabled' as const } : {}),
      ...(lock ? { objectLock: typeof lock === 'object' ? { rule: { ...lock } } : {} } : {}),
    }
    if (lock && typeof lock === 'object') validateRetention(lock)
    this.buckets.set(name, bucket)
    return bucket
  }

  /** The S3 operation a request is (for counting and fault injection). */
  operation(method: string, url: URL): string {
    const { bucket, key } = route(url)
    const q = url.searchParams
    if (!bucket) return method === 'GET' ? 'ListBuckets' : 'Unknown'
    if (key === undefined) {
      const sub = ['object-lock', 'versioning', 'policy', 'encryption', 'publicAccessBlock'].find((s) =>
        q.has(s),
      )
      const names: Record<string, string> = {
        'object-lock': 'ObjectLockConfiguration',
        versioning: 'BucketVersioning',
        policy: 'BucketPolicy',
        encryption: 'BucketEncryption',
        publicAccessBlock: 'PublicAccessBlock',
      }
      if (sub) return `${{ PUT: 'Put', GET: 'Get', DELETE: 'Delete' }[method] ?? method}${names[sub]}`
      if (method === 'PUT') return 'CreateBucket'
      if (method === 'DELETE') return 'DeleteBucket'
      if (method === 'HEAD') return 'HeadBucket'
      if (method === 'GET') return q.get('list-type') === '2' ? 'ListObjectsV2' : 'ListObjects'
      return 'Unknown'
    }
    if (q.has('retention')) return method === 'GET' ? 'GetObjectRetention' : 'PutObjectRetention'
    return (
      (
        { PUT: 'PutObject', GET: 'GetObject', HEAD: 'HeadObject', DELETE: 'DeleteObject' } as Record<
          string,
          string
        >
      )[method] ?? 'Unknown'
    )
  }

  handle(req: S3Request): S3Response {
    const operation = this.operation(req.method, req.url)
    const { bucket: name, key } = route(req.url)
    const q = req.url.searchParams
    if (operation === 'ListBuckets') return this.listBuckets(req.accountId)
    if (operation === 'CreateBucket') {
      const body = req.body.toString()
      const region = body ? element(body, 'LocationConstraint') : undefined
      const lock = String(req.headers['x-amz-bucket-object-lock-enabled'] ?? '').toLowerCase() === 'true'
      this.createBucket({
        name: name!,
        objectLock: lock,
        accountId: req.accountId,
        ...(region ? { region } : {}),
      })
      return { status: 200, headers: { location: `/${name}` } }
    }
    const bucket = this.buckets.get(name!)
    if (!bucket) throw noSuchBucket(name!)
    const now = this.clock()
    switch (operation) {
      case 'HeadBucket':
        return { status: 200, headers: { 'x-amz-bucket-region': bucket.region } }
      case 'DeleteBucket':
        if (bucket.objects.size > 0)
          throw new S3Error('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty', {
            BucketName: bucket.name,
          })
        this.buckets.delete(bucket.name)
        return { status: 204, headers: {} }
      case 'PutObjectLockConfiguration':
        return this.putObjectLock(bucket, req.body.toString())
      case 'GetObjectLockConfiguration': {
        if (!bucket.objectLock)
          throw new S3Error(
            'ObjectLockConfigurationNotFoundError',
            404,
            'Object Lock configuration does not exist for this bucket',
            { BucketName: bucket.name },
          )
        const rule = bucket.objectLock.rule
        const retention = rule
          ? `<Rule><DefaultRetention>${tag('Mode', rule.mode)}${rule.days !== undefined ? tag('Days', rule.days) : ''}${rule.years !== undefined ? tag('Years', rule.years) : ''}</DefaultRetention></Rule>`
          : ''
        return xml('ObjectLockConfiguration', `${tag('ObjectLockEnabled', 'Enabled')}${retention}`)
      }
      case 'PutBucketVersioning': {
        const status = element(req.body.toString(), 'Status')
        if (status !== 'Enabled' && status !== 'Suspended') throw malformed()
        if (bucket.objectLock && status !== 'Enabled')
          throw new S3Error(
            'InvalidBucketState',
            409,
            'An Object Lock configuration is present on this bucket, so the versioning state cannot be changed.',
          )
        bucket.versioning = status
        return { status: 200, headers: {} }
      }
      case 'GetBucketVersioning':
        return xml('VersioningConfiguration', bucket.versioning ? tag('Status', bucket.versioning) : '')
      case 'PutBucketPolicy':
        try {
          JSON.parse(req.body.toString())
        } catch {
          throw new S3Error(
            'MalformedPolicy',
            400,
            "Policies must be valid JSON and the first byte must be '{'",
          )
        }
        bucket.policy = req.body.toString()
        return { status: 204, headers: {} }
      case 'GetBucketPolicy':
        if (bucket.policy === undefined)
          throw new S3Error('NoSuchBucketPolicy', 404, 'The bucket policy does not exist', {
            BucketName: bucket.name,
          })
        return { status: 200, headers: { 'content-type': 'application/json' }, body: bucket.policy }
      case 'DeleteBucketPolicy':
        delete bucket.policy
        return { status: 204, headers: {} }
      case 'PutBucketEncryption':
        bucket.encryption = req.body.toString()
        return { status: 200, headers: {} }
      case 'GetBucketEncryption':
        return {
          status: 200,
          headers: { 'content-type': 'application/xml' },
          body:
            bucket.encryption ??
            xml(
              'ServerSideEncryptionConfiguration',
              `<Rule><ApplyServerSideEncryptionByDefault>${tag('SSEAlgorithm', 'AES256')}</ApplyServerSideEncryptionByDefault><BucketKeyEnabled>false</BucketKeyEnabled></Rule>`,
            ).body!,
        }
      case 'PutPublicAccessBlock':
        bucket.publicAccessBlock = req.body.toString()
        return { status: 200, headers: {} }
      case 'GetPublicAccessBlock':
        if (bucket.publicAccessBlock === undefined)
          throw new S3Error(
            'NoSuchPublicAccessBlockConfiguration',
            404,
            'The public access block configuration was not found',
          )
        return { status: 200, headers: { 'content-type': 'application/xml' }, body: bucket.publicAccessBlock }
      case 'ListObjectsV2':
        return this.listObjectsV2(bucket, q)
      case 'PutObject':
        return this.putObject(bucket, key!, req, now)
      case 'GetObject':
      case 'HeadObject': {
        const version = this.version(bucket, key!, q.get('versionId'))
        return {
          status: 200,
          headers: objectHeaders(bucket, version),
          ...(operation === 'GetObject' ? { body: version.body } : {}),
        }
      }
      case 'GetObjectRetention': {
        const version = this.version(bucket, key!, q.get('versionId'))
        if (!version.retention)
          throw new S3Error(
            'NoSuchObjectLockConfiguration',
            404,
            'The specified object does not have a ObjectLock configuration',
          )
        return xml(
          'Retention',
          `${tag('Mode', version.retention.mode)}${tag('RetainUntilDate', version.retention.until.toISOString())}`,
        )
      }
      case 'DeleteObject':
        return this.deleteObject(bucket, key!, q.get('versionId'), req, now)
    }
    throw notImplemented(`${req.method} ${req.url.pathname}${req.url.search}`)
  }

  private listBuckets(accountId: string): S3Response {
    const mine = [...this.buckets.values()].filter((b) => b.accountId === accountId)
    const buckets = mine
      .sort((a, b) => a.name.localeCompare(b.name))
      .map(
        (b) =>
          `<Bucket>${tag('Name', b.name)}${tag('CreationDate', b.created.toISOString())}${tag('BucketRegion', b.region)}</Bucket>`,
      )
      .join('')
    return xml(
      'ListAllMyBucketsResult',
      `<Owner>${tag('ID', accountId)}</Owner><Buckets>${buckets}</Buckets>`,
    )
  }

  private putObjectLock(bucket: SimBucket, body: string): S3Response {
    if (element(body, 'ObjectLockEnabled') !== 'Enabled') throw malformed()
    if (bucket.versioning !== 'Enabled')
      throw new S3Error(
        'InvalidBucketState',
        409,
        "Versioning must be 'Enabled' on the bucket to apply a Object Lock configuration",
      )
    const rule = element(body, 'DefaultRetention')
    if (rule === undefined) {
      bucket.objectLock = {}
      return { status: 200, headers: {} }
    }
    const mode = element(rule, 'Mode')
    const days = element(rule, 'Days')
    const years = element(rule, 'Years')
    if ((mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') || (days === undefined) === (years === undefined))
      throw malformed()
    const retention: DefaultRetention = {
      mode,
      ...(days !== undefined ? { days: Number(days) } : {}),
      ...(years !== undefined ? { years: Number(years) } : {}),
    }
    validateRetention(retention)
    bucket.objectLock = { rule: retention }
    return { status: 200, headers: {} }
  }

  private listObjectsV2(bucket: SimBucket, q: URLSearchParams): S3Response {
    const prefix = q.get('prefix') ?? ''
    const delimiter = q.get('delimiter') ?? ''
    const maxKeys = Math.min(1000, Math.max(0, Number(q.get('max-keys') ?? 1000)))
    const token = q.get('continuation-token')
    let after = q.get('start-after') ?? ''
    if (token) {
      const decoded = Buffer.from(token, 'base64url').toString()
      if (!decoded.startsWith('k:'))
        throw new S3Error('InvalidArgument', 400, 'The continuation token provided is incorrect')
      after = decoded.slice(2)
    }
    const urlEncoded = q.get('encoding-type') === 'url'
    const show = (s: string) => (urlEncoded ? encodeURIComponent(s).replace(/%2F/g, '/') : s)
    const current = [...bucket.objects.entries()]
      .filter(([key, versions]) => key.startsWith(prefix) && key > after && !versions.at(-1)!.deleteMarker)
      .map(([key]) => key)
      .sort(compareKeys)
    const contents: string[] = []
    const prefixes = new Set<string>()
    let last: string | undefined
    let truncated = false
    for (const key of current) {
      const rest = key.slice(prefix.length)
      const cut = delimiter ? rest.indexOf(delimiter) : -1
      const common = cut >= 0 ? prefix + rest.slice(0, cut + delimiter.length) : undefined
      if (common && prefixes.has(common)) {
        last = key
        continue
      }
      if (contents.length + prefixes.size >= maxKeys) {
        truncated = true
        break
      }
      last = key
      if (common) prefixes.add(common)
      else {
        const v = bucket.objects.get(key)!.at(-1)!
        contents.push(
          `<Contents>${tag('Key', show(key))}${tag('LastModified', v.lastModified.toISOString())}${tag('ETag', v.etag)}${tag('Size', v.body.length)}${tag('StorageClass', 'STANDARD')}</Contents>`,
        )
      }
    }
    const inner = [
      tag('Name', bucket.name),
      tag('Prefix', show(prefix)),
      ...(delimiter ? [tag('Delimiter', show(delimiter))] : []),
      tag('KeyCount', contents.length + prefixes.size),
      tag('MaxKeys', maxKeys),
      ...(urlEncoded ? [tag('EncodingType', 'url')] : []),
      tag('IsTruncated', truncated),
      ...(token ? [tag('ContinuationToken', token)] : []),
      ...(truncated && last !== undefined
        ? [tag('NextContinuationToken', Buffer.from(`k:${last}`).toString('base64url'))]
        : []),
      ...(q.get('start-after') ? [tag('StartAfter', show(q.get('start-after')!))] : []),
      ...contents,
      ...[...prefixes].map((p) => `<CommonPrefixes>${tag('Prefix', show(p))}</CommonPrefixes>`),
    ]
    return xml('ListBucketResult', inner.join(''))
  }

  private putObject(bucket: SimBucket, key: string, req: S3Request, now: Date): S3Response {
    if (req.headers['x-amz-copy-source']) throw notImplemented('CopyObject')
    const versions = bucket.objects.get(key) ?? []
    const current = versions.at(-1)
    const live = current && !current.deleteMarker ? current : undefined
    const ifNoneMatch = req.headers['if-none-match']
    if (ifNoneMatch === '*' && live)
      throw new S3Error(
        'PreconditionFailed',
        412,
        'At least one of the pre-conditions you specified did not hold',
        {
          Condition: 'If-None-Match',
        },
      )
    const ifMatch = req.headers['if-match']
    if (typeof ifMatch === 'string') {
      if (!live) throw noSuchKey(key)
      if (ifMatch !== live.etag && ifMatch !== '*')
        throw new S3Error(
          'PreconditionFailed',
          412,
          'At least one of the pre-conditions you specified did not hold',
          {
            Condition: 'If-Match',
          },
        )
    }
    const body = decodeBody(req.headers, req.body)
    const retention = this.retentionOf(bucket, req.headers, now)
    const legalHold = String(req.headers['x-amz-object-lock-legal-hold'] ?? '').toUpperCase()
    if (legalHold && !bucket.objectLock)
      throw new S3Error('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration')
    const metadata: Record<string, string> = {}
    for (const [name, value] of Object.entries(req.headers))
      if (name.startsWith('x-amz-meta-') && typeof value === 'string') metadata[name.slice(11)] = value
    const version: SimObjectVersion = {
      key,
      versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
      deleteMarker: false,
      body,
      etag: `"${createHash('md5').update(body).digest('hex')}"`,
      lastModified: now,
      contentType: String(req.headers['content-type'] ?? 'binary/octet-stream'),
      metadata,
      ...(retention ? { retention } : {}),
      ...(legalHold === 'ON' ? { legalHold: true } : {}),
      ...sseOf(bucket, req.headers),
    }
    if (bucket.versioning === 'Enabled') versions.push(version)
    else {
      // Unversioned or suspended: the null version is replaced.
      const kept = versions.filter((v) => v.versionId !== 'null')
      versions.splice(0, versions.length, ...kept, version)
    }
    bucket.objects.set(key, versions)
    return {
      status: 200,
      headers: {
        etag: version.etag,
        ...(bucket.versioning ? { 'x-amz-version-id': version.versionId } : {}),
        ...sseHeaders(version),
      },
    }
  }

  /** The retention of a new version: its own headers, else the bucket's default retention. */
  private retentionOf(
    bucket: SimBucket,
    headers: IncomingHttpHeaders,
    now: Date,
  ): SimObjectVersion['retention'] | undefined {
    const mode = headers['x-amz-object-lock-mode']
    const until = headers['x-amz-object-lock-retain-until-date']
    if (mode !== undefined || until !== undefined) {
      if (!bucket.objectLock)
        throw new S3Error('InvalidRequest', 400, 'Bucket is missing Object Lock Configuration')
      if ((mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') || typeof until !== 'string')
        throw new S3Error(
          'InvalidArgument',
          400,
          'x-amz-object-lock-retain-until-date and x-amz-object-lock-mode must both be supplied',
        )
      const date = new Date(until)
      if (Number.isNaN(date.getTime()) || date <= now)
        throw new S3Error('InvalidArgument', 400, 'The retain until date must be in the future!')
      return { mode, until: date }
    }
    const rule = bucket.objectLock?.rule
    if (!rule) return undefined
    const end = new Date(now)
    if (rule.days !== undefined) end.setTime(end.getTime() + rule.days * 86_400_000)
    else end.setUTCFullYear(end.getUTCFullYear() + rule.years!)
    return { mode: rule.mode, until: end }
  }

  /** The version a read names (the current one by default); a delete marker reads as gone. */
  private version(bucket: SimBucket, key: string, versionId: string | null): SimObjectVersion {
    const versions = bucket.objects.get(key) ?? []
    if (versionId !== null) {
      const v = versions.find((x) => x.versionId === versionId)
      if (!v)
        throw new S3Error('NoSuchVersion', 404, 'The specified version does not exist.', {
          Key: key,
          VersionId: versionId,
        })
      if (v.deleteMarker)
        throw new S3Error(
          'MethodNotAllowed',
          405,
          'The specified method is not allowed against this resource.',
        )
      return v
    }
    const current = versions.at(-1)
    if (!current || current.deleteMarker) throw noSuchKey(key)
    return current
  }

  private deleteObject(
    bucket: SimBucket,
    key: string,
    versionId: string | null,
    req: S3Request,
    now: Date,
  ): S3Response {
    const versions = bucket.objects.get(key) ?? []
    if (versionId === null) {
      if (!bucket.versioning) {
        bucket.objects.delete(key)
        return { status: 204, headers: {} }
      }
      // Versioned: a delete marker becomes the current version; every version stays.
      const marker: SimObjectVersion = {
        key,
        versionId: bucket.versioning === 'Enabled' ? newVersionId() : 'null',
        deleteMarker: true,
        body: Buffer.alloc(0),
        etag: '',
        lastModified: now,
        contentType: '',
        metadata: {},
      }
      const kept = bucket.versioning === 'Enabled' ? versions : versions.filter((v) => v.versionId !== 'null')
      bucket.objects.set(key, [...kept, marker])
      return { status: 204, headers: { 'x-amz-delete-marker': 'true', 'x-amz-version-id': marker.versionId } }
    }
    const index = versions.findIndex((v) => v.versionId === versionId)
    if (index < 0) return { status: 204, headers: {} }
    const version = versions[index]!
    const bypass = String(req.headers['x-amz-bypass-governance-retention'] ?? '').toLowerCase() === 'true'
    if (isLocked(version, now, bypass))
      throw new S3Error('AccessDenied', 403, 'Access Denied because object protected by object lock.')
    versions.splice(index, 1)
    if (versions.length === 0) bucket.objects.delete(key)
    return {
      status: 204,
      headers: {
        'x-amz-version-id': versionId,
        ...(version.deleteMarker ? { 'x-amz-delete-marker': 'true' } : {}),
      },
    }
  }
}

/** Is this version protected from deletion now: a legal hold, or retention that has not ended (GOVERNANCE yields to the bypass)? */
export function isLocked(v: SimObjectVersion, now: Date, bypassGovernance = false): boolean {
  if (v.legalHold) return true
  if (!v.retention || v.retention.until <= now) return false
  return v.retention.mode === 'COMPLIANCE' || !bypassGovernance
}

function validateRetention(r: DefaultRetention): void {
  const value = r.days ?? r.years
  if (value === undefined || !Number.isInteger(value) || value <= 0)
    throw new S3Error('InvalidArgument', 400, 'Default retention period must be a positive integer value.')
}

/** Keys in S3's order: by their UTF-8 bytes. */
const compareKeys = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b))

/** Bucket and key of a path-style URL: `/<bucket>/<key>` (the key may hold slashes). */
function route(url: URL): { bucket?: string; key?: string } {
  const path = url.pathname
  if (path === '/' || path === '') return {}
  const slash = path.indexOf('/', 1)
  const bucket = decodeURIComponent(slash < 0 ? path.slice(1) : path.slice(1, slash))
  if (slash < 0 || slash === path.length - 1) return { bucket }
  return { bucket, key: decodeURIComponent(path.slice(slash + 1)) }
}

function xml(root: string, inner: string): S3Response {
  return { status: 200, headers: { 'content-type': 'application/xml' }, body: xmlDocument(root, inner) }
}

/** The server-side encryption a new version gets: its own headers, else the bucket's default. */
function sseOf(bucket: SimBucket, headers: IncomingHttpHeaders): Pick<SimObjectVersion, 'sse'> {
  const algorithm = headers['x-amz-server-side-encryption']
  if (typeof algorithm === 'string') {
    const keyId = headers['x-amz-server-side-encryption-aws-kms-key-id']
    return { sse: { algorithm, ...(typeof keyId === 'string' ? { keyId } : {}) } }
  }
  const configured = bucket.encryption ? element(bucket.encryption, 'SSEAlgorithm') : undefined
  const keyId = bucket.encryption ? element(bucket.encryption, 'KMSMasterKeyID') : undefined
  return { sse: { algorithm: configured ?? 'AES256', ...(keyId ? { keyId } : {}) } }
}

function sseHeaders(v: SimObjectVersion): Record<string, string> {
  if (!v.sse) return {}
  return {
    'x-amz-server-side-encryption': v.sse.algorithm,
    ...(v.sse.keyId ? { 'x-amz-server-side-encryption-aws-kms-key-id': v.sse.keyId } : {}),
  }
}

function objectHeaders(bucket: SimBucket, v: SimObjectVersion): Record<string, string> {
  return {
    'content-type': v.contentType,
    'content-length': String(v.body.length),
    etag: v.etag,
    'last-modified': httpDate(v.lastModified),
    'accept-ranges': 'bytes',
    ...(bucket.versioning ? { 'x-amz-version-id': v.versionId } : {}),
    ...Object.fromEntries(Object.entries(v.metadata).map(([k, value]) => [`x-amz-meta-${k}`, value])),
    ...(v.retention
      ? {
          'x-amz-object-lock-mode': v.retention.mode,
          'x-amz-object-lock-retain-until-date': v.retention.until.toISOString(),
        }
      : {}),
    ...(v.legalHold ? { 'x-amz-object-lock-legal-hold': 'ON' } : {}),
    ...sseHeaders(v),
  }
}
