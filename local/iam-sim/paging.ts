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

/** Who asked for a page of a JSON service's list: its error code for a bad MaxResults or NextToken. */
export interface TokenPaging {
  /** The list and whatever scopes it (`ListAccountsForParent|ou-ab12-...`): a token only continues its own list. */
  list: string
  max: number
  /** MaxResults when it is not given. Default: max. */
  defaultSize?: number
  /** The parameter names: Organizations' MaxResults/NextToken, EventBridge's Limit/NextToken. */
  sizeParam?: string
  invalid: (message: string) => Error
}

/**
 * The JSON services' NextToken pagination: at most MaxResults items per page, an opaque NextToken to go
 * on, none on the last page. The token encodes the offset and the list it belongs to.
 */
export function tokenPage<T>(
  all: readonly T[],
  body: Record<string, unknown>,
  paging: TokenPaging,
): { items: T[]; NextToken?: string } {
  const sizeParam = paging.sizeParam ?? 'MaxResults'
  const requested = body[sizeParam]
  const size = requested === undefined || requested === null ? (paging.defaultSize ?? paging.max) : requested
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1 || size > paging.max)
    throw paging.invalid(`${sizeParam} must be between 1 and ${paging.max}`)
  let start = 0
  const token = body.NextToken
  if (token !== undefined && token !== null) {
    const [owner, offset] = Buffer.from(String(token), 'base64url').toString().split('\u0000')
    start = Number(offset)
    if (owner !== paging.list || !Number.isInteger(start) || start < 0 || start > all.length)
      throw paging.invalid('The NextToken value is not valid.')
  }
  const items = all.slice(start, start + size)
  const next = start + items.length
  return next < all.length
    ? { items, NextToken: Buffer.from(`${paging.list}\u0000${next}`).toString('base64url') }
    : { items }
}
