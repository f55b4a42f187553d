import { invalidInput } from './errors.ts'

export interface Page<T> {
  items: T[]
  IsTruncated: boolean
  Marker?: string
}

/**
 * IAM's Marker pagination: MaxItems (1..1000, default 100) per page, an opaque Marker to continue,
 * IsTruncated while more remain. The marker encodes the offset and the list it belongs to.
 */
export function paginate<T>(all: readonly T[], params: URLSearchParams, list: string): Page<T> {
  const maxItems = params.has('MaxItems') ? Number(params.get('MaxItems')) : 100
  if (!Number.isInteger(maxItems) || maxItems < 1 || maxItems > 1000)
    throw invalidInput('MaxItems must be between 1 and 1000')
  let start = 0
  const marker = params.get('Marker')
  if (marker) {
    const decoded = Buffer.from(marker, 'base64url').toString()
    const [owner, offset] = decoded.split('|')
    start = Number(offset)
    if (owner !== list || !Number.isInteger(start) || start < 0) throw invalidInput('Invalid Marker')
  }
  const items = all.slice(start, start + maxItems)
  const next = start + items.length
  return next < all.length
    ? { items, IsTruncated: true, Marker: Buffer.from(`${list}|${next}`).toString('base64url') }
    : { items, IsTruncated: false }
}
