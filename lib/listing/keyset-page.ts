// Keyset pages for GET /todo and GET /users: opaque cursors, and a page that links to the next one.
import type { FastifyReply } from 'fastify'
import { ApiError } from '../api-error.js'

// What one listing's cursor holds: the sort key of a page's last row, written as a JSON array.
export interface CursorFields<Position, Last> {
  write: (last: Last) => unknown[]
  // The position the fields name, or undefined when the service never issues such fields.
  read: (fields: unknown[]) => Position | undefined
}

export interface KeysetCursor<Position, Last> {
  encode: (last: Last) => string
  decode: (cursor: string) => Position
}

// base64url keeps the cursor safe in a query string, and opaque so that clients do not build their own.
export function keysetCursor<Position, Last = Position> (fields: CursorFields<Position, Last>): KeysetCursor<Position, Last> {
  return {
    encode: (last) => Buffer.from(JSON.stringify(fields.write(last))).toString('base64url'),
    decode (cursor) {
      const decoded = parseFields(cursor)
      const position = decoded === undefined ? undefined : fields.read(decoded)
      if (position === undefined) throw new ApiError(400, 'validation_error', 'querystring/cursor is not a cursor this service issued')
      return position
    }
  }
}

function parseFields (cursor: string): unknown[] | undefined {
  try {
    const decoded: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'))
    return Array.isArray(decoded) ? decoded : undefined
  } catch {
    return undefined
  }
}

// One listing's page as the client asked for it, and how the listing fetches rows and links to its next page.
export interface KeysetListing<Row, Position> {
  limit: number
  // The cursor the client sent, if any.
  cursor: string | undefined
  format: KeysetCursor<Position, Row>
  fetchRows: (after: Position | undefined, count: number) => Promise<Row[]>
  linkToNextPage: (cursor: string) => string
}

// One row beyond the page tells whether another page follows, without counting; if one does, the Link header leads to it.
export async function keysetPage<Row, Position> (reply: FastifyReply, listing: KeysetListing<Row, Position>): Promise<Row[]> {
  const { limit, cursor, format } = listing
  const rows = await listing.fetchRows(cursor === undefined ? undefined : format.decode(cursor), limit + 1)
  const page = rows.slice(0, limit)
  const last = page.at(-1)
  if (rows.length > limit && last !== undefined) reply.header('link', listing.linkToNextPage(format.encode(last)))
  return page
}

// The RFC 8288 Link to the next page: the listing's path with its query, parameters in the order given, unset ones left out.
export function nextPageLink (path: string, parameters: Array<[string, string | undefined]>): string {
  const query = new URLSearchParams(parameters.filter((entry): entry is [string, string] => entry[1] !== undefined))
  return `<${path}?${query.toString()}>; rel="next"`
}
