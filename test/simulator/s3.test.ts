import {
  CreateBucketCommand,
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutBucketVersioningCommand,
  PutObjectCommand,
  PutObjectLockConfigurationCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import { afterEach, describe, expect, it } from 'vitest'
import { type IamSimulator, startIamSimulator } from '../../local/iam-sim/server.ts'
import { loadDigests, newestDigestKey, S3DigestObjects, s3Client } from '../../shared/aws/digests.ts'
import { adminAccount, refusal } from './sdk.ts'

/** The simulator's S3 (REST-XML, path-style), through the real SDK client: versioning and Object Lock as S3 enforces them. */
let sim: IamSimulator
afterEach(async () => sim?.stop())

const DAY = 86_400_000
/** The simulator's clock, moved by the tests. */
let now = new Date('2026-03-01T12:00:00.000Z')
const clock = () => new Date(now)

const s3As = (s: IamSimulator): S3Client =>
  s3Client({ endpoint: s.endpoint, region: 'us-east-1', maxAttempts: 1 })

async function lockedBucket(name = 'evidence-bucket', days = 1) {
  now = new Date('2026-03-01T12:00:00.000Z')
  sim = await startIamSimulator(adminAccount(), { clock })
  const s3 = s3As(sim)
  await s3.send(new CreateBucketCommand({ Bucket: name, ObjectLockEnabledForBucket: true }))
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: name,
      ObjectLockConfiguration: {
        ObjectLockEnabled: 'Enabled',
        Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: days } },
      },
    }),
  )
  return s3
}

describe('S3 Object Lock', () => {
  it('creates a lock-enabled bucket versioned, with the default COMPLIANCE retention it was given', async () => {
    // Act
    const s3 = await lockedBucket('evidence-bucket', 3)
    const lock = await s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'evidence-bucket' }))
    const versioning = await s3.send(new GetBucketVersioningCommand({ Bucket: 'evidence-bucket' }))
    const suspend = await refusal(
      s3.send(
        new PutBucketVersioningCommand({
          Bucket: 'evidence-bucket',
          VersioningConfiguration: { Status: 'Suspended' },
        }),
      ),
    )
    // Assess
    expect(lock.ObjectLockConfiguration).toEqual({
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 3 } },
    })
    expect(versioning.Status).toBe('Enabled')
    expect(suspend).toMatchObject({ name: 'InvalidBucketState', status: 409 })
  })

  it('refuses to delete a version under COMPLIANCE retention, and keeps it when the key is overwritten', async () => {
    // Prepare
    const s3 = await lockedBucket()
    const first = await s3.send(
      new PutObjectCommand({
        Bucket: 'evidence-bucket',
        Key: 'digests/a.json',
        Body: '{"n":1}',
        ChecksumAlgorithm: 'SHA256',
      }),
    )
    // Act: overwrite (a new version), delete the locked version, hide it behind a delete marker
    const second = await s3.send(
      new PutObjectCommand({ Bucket: 'evidence-bucket', Key: 'digests/a.json', Body: '{"n":2}' }),
    )
    const deleteVersion = await refusal(
      s3.send(
        new DeleteObjectCommand({
          Bucket: 'evidence-bucket',
          Key: 'digests/a.json',
          VersionId: first.VersionId,
        }),
      ),
    )
    const bypass = await refusal(
      s3.send(
        new DeleteObjectCommand({
          Bucket: 'evidence-bucket',
          Key: 'digests/a.json',
          VersionId: first.VersionId,
          BypassGovernanceRetention: true,
        }),
      ),
    )
    const original = await s3.send(
      new GetObjectCommand({ Bucket: 'evidence-bucket', Key: 'digests/a.json', VersionId: first.VersionId }),
    )
    const retention = await s3.send(
      new GetObjectRetentionCommand({
        Bucket: 'evidence-bucket',
        Key: 'digests/a.json',
        VersionId: first.VersionId,
      }),
    )
    const marker = await s3.send(
      new DeleteObjectCommand({ Bucket: 'evidence-bucket', Key: 'digests/a.json' }),
    )
    const hidden = await refusal(
      s3.send(new GetObjectCommand({ Bucket: 'evidence-bucket', Key: 'digests/a.json' })),
    )
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: 'evidence-bucket', Prefix: 'digests/' }))
    // Assess: S3's answer, and the locked version intact
    expect(deleteVersion).toEqual({
      name: 'AccessDenied',
      status: 403,
      message: 'Access Denied because object protected by object lock.',
    })
    expect(bypass).toMatchObject({ name: 'AccessDenied', status: 403 })
    expect(second.VersionId).not.toBe(first.VersionId)
    expect(await original.Body!.transformToString()).toBe('{"n":1}')
    expect(original.ObjectLockMode).toBe('COMPLIANCE')
    expect(original.ObjectLockRetainUntilDate?.toISOString()).toBe('2026-03-02T12:00:00.000Z')
    expect(retention.Retention).toEqual({
      Mode: 'COMPLIANCE',
      RetainUntilDate: new Date('2026-03-02T12:00:00.000Z'),
    })
    expect(marker.DeleteMarker).toBe(true)
    expect(hidden).toMatchObject({ name: 'NoSuchKey', status: 404 })
    expect(listed.KeyCount).toBe(0)
    expect(
      sim.s3.buckets
        .get('evidence-bucket')!
        .objects.get('digests/a.json')!
        .map((v) => v.deleteMarker),
    ).toEqual([false, false, true])
  })

  it('lets a version go once its retention has ended, and a GOVERNANCE version only with the bypass', async () => {
    // Prepare
    const s3 = await lockedBucket()
    const put = await s3.send(new PutObjectCommand({ Bucket: 'evidence-bucket', Key: 'k', Body: 'x' }))
    const governed = await s3.send(
      new PutObjectCommand({
        Bucket: 'evidence-bucket',
        Key: 'g',
        Body: 'y',
        ObjectLockMode: 'GOVERNANCE',
        ObjectLockRetainUntilDate: new Date(now.getTime() + 10 * DAY),
      }),
    )
    // Act
    now = new Date(now.getTime() + DAY + 1000)
    await s3.send(new DeleteObjectCommand({ Bucket: 'evidence-bucket', Key: 'k', VersionId: put.VersionId }))
    const withoutBypass = await refusal(
      s3.send(
        new DeleteObjectCommand({ Bucket: 'evidence-bucket', Key: 'g', VersionId: governed.VersionId }),
      ),
    )
    await s3.send(
      new DeleteObjectCommand({
        Bucket: 'evidence-bucket',
        Key: 'g',
        VersionId: governed.VersionId,
        BypassGovernanceRetention: true,
      }),
    )
    // Assess
    expect(
      await refusal(s3.send(new HeadObjectCommand({ Bucket: 'evidence-bucket', Key: 'k' }))),
    ).toMatchObject({
      name: 'NotFound',
      status: 404,
    })
    expect(withoutBypass).toMatchObject({ name: 'AccessDenied' })
    expect(sim.s3.buckets.get('evidence-bucket')!.objects.size).toBe(0)
  })

  it('writes a key only once with If-None-Match: *, and refuses Object Lock on an unversioned bucket', async () => {
    // Prepare
    const s3 = await lockedBucket()
    const objects = new S3DigestObjects(s3, 'evidence-bucket')
    await s3.send(new CreateBucketCommand({ Bucket: 'plain-bucket' }))
    // Act
    const first = await objects.create('digests/x.json', 'one')
    const again = await objects.create('digests/x.json', 'two')
    const raw = await refusal(
      s3.send(
        new PutObjectCommand({
          Bucket: 'evidence-bucket',
          Key: 'digests/x.json',
          Body: 'three',
          IfNoneMatch: '*',
        }),
      ),
    )
    const lockPlain = await refusal(
      s3.send(
        new PutObjectLockConfigurationCommand({
          Bucket: 'plain-bucket',
          ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' },
        }),
      ),
    )
    const noLock = await refusal(s3.send(new GetObjectLockConfigurationCommand({ Bucket: 'plain-bucket' })))
    // Assess
    expect([first, again]).toEqual(['created', 'exists'])
    expect(raw).toMatchObject({ name: 'PreconditionFailed', status: 412 })
    expect(await objects.get('digests/x.json')).toBe('one')
    expect(await objects.get('digests/missing.json')).toBeUndefined()
    expect(lockPlain).toMatchObject({ name: 'InvalidBucketState', status: 409 })
    expect(noLock).toMatchObject({ name: 'ObjectLockConfigurationNotFoundError', status: 404 })
  })
})

describe('S3 objects', () => {
  it('puts, heads, gets and lists objects by prefix, page by page, with their metadata', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount(), { buckets: [{ name: 'plain-bucket' }] })
    const s3 = s3As(sim)
    const keys = Array.from(
      { length: 7 },
      (_, i) => `digests/123456789012/2026/03/01/2026-03-01T0${i}:00:00.000Z.json`,
    )
    for (const key of keys)
      await s3.send(
        new PutObjectCommand({
          Bucket: 'plain-bucket',
          Key: key,
          Body: key,
          ContentType: 'application/json',
          Metadata: { a: '1' },
        }),
      )
    await s3.send(new PutObjectCommand({ Bucket: 'plain-bucket', Key: 'other/x', Body: 'x' }))
    // Act
    const pages: string[][] = []
    let token: string | undefined
    do {
      const page = await s3.send(
        new ListObjectsV2Command({
          Bucket: 'plain-bucket',
          Prefix: 'digests/',
          MaxKeys: 3,
          ContinuationToken: token,
        }),
      )
      pages.push((page.Contents ?? []).map((c) => c.Key!))
      token = page.IsTruncated ? page.NextContinuationToken : undefined
    } while (token)
    const head = await s3.send(new HeadObjectCommand({ Bucket: 'plain-bucket', Key: keys[2] }))
    const got = await s3.send(new GetObjectCommand({ Bucket: 'plain-bucket', Key: keys[2] }))
    const byLevel = await s3.send(new ListObjectsV2Command({ Bucket: 'plain-bucket', Delimiter: '/' }))
    const missing = await refusal(s3.send(new GetObjectCommand({ Bucket: 'no-such-bucket', Key: 'x' })))
    // Assess
    expect(pages).toEqual([keys.slice(0, 3), keys.slice(3, 6), keys.slice(6)])
    expect(head).toMatchObject({
      ContentType: 'application/json',
      ContentLength: keys[2]!.length,
      Metadata: { a: '1' },
    })
    expect(head.VersionId).toBeUndefined()
    expect(await got.Body!.transformToString()).toBe(keys[2])
    expect(byLevel.CommonPrefixes?.map((p) => p.Prefix)).toEqual(['digests/', 'other/'])
    expect(missing).toMatchObject({ name: 'NoSuchBucket', status: 404 })
  })

  it('finds the newest digest of an account in a few listings, and loads them all in order', async () => {
    // Prepare
    sim = await startIamSimulator(adminAccount(), {
      buckets: [{ name: 'digest-bucket', objectLock: { mode: 'COMPLIANCE', days: 1 } }],
    })
    const objects = new S3DigestObjects(s3As(sim), 'digest-bucket')
    const key = (to: string) =>
      `digests/123456789012/${to.slice(0, 4)}/${to.slice(5, 7)}/${to.slice(8, 10)}/${to}.json`
    const times = [
      '2025-12-31T23:00:00.000Z',
      '2026-01-01T00:00:00.000Z',
      '2026-02-28T10:00:00.000Z',
      '2026-02-28T11:00:00.000Z',
    ]
    for (const t of times) await objects.create(key(t), t)
    await objects.create('digests/210987654321/2027/01/01/2027-01-01T00:00:00.000Z.json', 'other account')
    sim.resetCounters()
    // Act
    const newest = await newestDigestKey(objects, '123456789012')
    const listings = sim.requestCount('ListObjectsV2')
    const all = await loadDigests(objects, '123456789012')
    const fromFebruary = await loadDigests(objects, '123456789012', { from: '2026-02-28T05:00:00.000Z' })
    // Assess
    expect(newest).toBe(key('2026-02-28T11:00:00.000Z'))
    expect(listings).toBe(4)
    expect(all.map((d) => d.body)).toEqual(times)
    expect(fromFebruary.map((d) => d.body)).toEqual(times.slice(2))
    expect(await newestDigestKey(objects, '999999999999')).toBeUndefined()
  })
})
