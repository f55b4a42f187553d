import { describe, expect, it } from 'vitest'
import { MAX_DOCUMENT_CHARS, parsePolicyDocument } from '../../shared/policy/document.ts'

describe('parsePolicyDocument', () => {
  it('normalizes strings and arrays, and decodes URL-encoded documents as IAM returns them', () => {
    const doc = {
      Version: '2012-10-17',
      Statement: { Effect: 'Allow', Action: 's3:GetObject', Resource: ['a', 'b'], Principal: '*' },
    }
    for (const raw of [doc, JSON.stringify(doc), encodeURIComponent(JSON.stringify(doc))]) {
      const parsed = parsePolicyDocument(raw)
      expect(parsed).toEqual({
        ok: true,
        document: {
          statements: [
            { effect: 'Allow', actions: ['s3:GetObject'], resources: ['a', 'b'], principal: { AWS: ['*'] } },
          ],
        },
      })
    }
  })

  it('keeps unicode in values', () => {
    const parsed = parsePolicyDocument({
      Statement: [
        {
          Sid: 'Zugriff für Prüfer',
          Effect: 'Allow',
          Action: 's3:GetObject',
          Resource: 'arn:aws:s3:::bücher/*',
        },
      ],
    })
    expect(parsed.ok && parsed.document.statements[0]?.resources).toEqual(['arn:aws:s3:::bücher/*'])
  })

  it('says why it cannot evaluate invalid JSON, unknown elements, bad effects and huge documents', () => {
    const reason = (raw: unknown) => {
      const p = parsePolicyDocument(raw)
      return p.ok ? 'ok' : p.reason
    }
    expect(reason('{"Statement": [')).toBe('not a JSON object')
    expect(reason({ Statement: [], Extra: 1 })).toBe('unknown element Extra')
    expect(reason({ Statement: [{ Effect: 'Allow', Action: '*', Resource: '*', Actions: 'x' }] })).toBe(
      'Statement[0]: unknown element Actions',
    )
    expect(reason({ Statement: [{ Effect: 'Permit', Action: '*', Resource: '*' }] })).toBe(
      'Statement[0]: Effect must be Allow or Deny',
    )
    expect(reason({ Statement: [{ Effect: 'Allow', Resource: '*' }] })).toBe(
      'Statement[0]: needs exactly one of Action and NotAction',
    )
    expect(reason({ Statement: [{ Effect: 'Allow', Action: [1], Resource: '*' }] })).toBe(
      'Statement[0]: expected a string or a list of strings',
    )
    expect(reason('x'.repeat(MAX_DOCUMENT_CHARS + 1))).toMatch(/larger than IAM allows/)
  })
})
