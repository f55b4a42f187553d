export const IAM_NS = 'https://iam.amazonaws.com/doc/2010-05-08/'

export function escapeXml(value: string): string {
  return value.replace(
    /[<>&'"]/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!,
  )
}

/** Pre-rendered XML, for shapes that are not member lists (e.g. SummaryMap's entry/key/value). */
export class RawXml {
  readonly xml: string
  constructor(xml: string) {
    this.xml = xml
  }
}

export function xmlMap(entries: Record<string, string | number>): RawXml {
  return new RawXml(
    Object.entries(entries)
      .map(([k, v]) => `<entry><key>${escapeXml(k)}</key><value>${escapeXml(String(v))}</value></entry>`)
      .join(''),
  )
}

export type XmlValue = string | number | boolean | Date | undefined | null | RawXml | XmlNode | XmlValue[]
export interface XmlNode {
  [name: string]: XmlValue
}

/** Renders a plain object as Query-protocol XML: arrays become <member> lists, Dates ISO 8601. */
export function toXml(node: XmlNode): string {
  return Object.entries(node)
    .map(([name, value]) => element(name, value))
    .join('')
}

function element(name: string, value: XmlValue): string {
  if (value === undefined || value === null) return ''
  if (Array.isArray(value)) return `<${name}>${value.map((v) => element('member', v)).join('')}</${name}>`
  if (value instanceof RawXml) return `<${name}>${value.xml}</${name}>`
  if (value instanceof Date) return `<${name}>${value.toISOString().replace(/\.\d{3}Z$/, 'Z')}</${name}>`
  if (typeof value === 'object') return `<${name}>${toXml(value)}</${name}>`
  return `<${name}>${escapeXml(String(value))}</${name}>`
}

export function resultXml(action: string, body: string, requestId: string, ns = IAM_NS): string {
  return `<${action}Response xmlns="${ns}"><${action}Result>${body}</${action}Result><ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`
}

export function errorXml(
  code: string,
  message: string,
  requestId: string,
  type: 'Sender' | 'Receiver',
): string {
  return `<ErrorResponse xmlns="${IAM_NS}"><Error><Type>${type}</Type><Code>${escapeXml(code)}</Code><Message>${escapeXml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
}
