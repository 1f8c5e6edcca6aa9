// Asterisk's cdr_pgsql (and cdr_odbc) table in PostgreSQL, read with pg and a server-side cursor (pg-query-stream).
import {readFileSync} from 'node:fs'
import pg from 'pg'
import QueryStream from 'pg-query-stream'
import type {CdrDriver, DriverOptions} from './database.js'

export async function connect({url, password, timezone, table, tls}: DriverOptions): Promise<CdrDriver> {
  // A unix socket is a folder: `postgres://user@/db?host=/var/run/postgresql` (libpq's form) or `?socket=`.
  const socket = url.searchParams.get('host') ?? url.searchParams.get('socket') ?? undefined
  const client = new pg.Client({
    host: socket ?? (url.hostname || 'localhost'),
    port: url.port ? Number(url.port) : 5432,
    user: decodeURIComponent(url.username) || undefined,
    password,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    application_name: 'callrec',
    ...(tls ? {ssl: {ca: tls.ca ? readFileSync(tls.ca, 'utf8') : undefined, rejectUnauthorized: tls.rejectUnauthorized}} : {}),
  })
  client.on('error', () => {}) // a dropped connection fails the query under way, which says so
  try {
    await client.connect()
    // Read only, whatever the role's grants; wall-clock times (timestamp without time zone) are the PBX's, and
    // timestamptz comes out with its offset, in the entry's zone.
    await client.query('BEGIN READ ONLY')
    await client.query(`SELECT set_config('TimeZone', $1, true)`, [timezone])
  } catch (error) {
    await client.end().catch(() => {})
    throw error
  }
  const from = client.escapeIdentifier(table)
  const window = (calldate: string, since?: string): [string, string[]] => (since ? [`WHERE ${client.escapeIdentifier(calldate)} >= $1`, [since]] : ['', []])
  return {
    async columns() {
      const result = await client.query(`SELECT * FROM ${from} LIMIT 0`)
      return result.fields.map((field) => field.name)
    },
    async fingerprint(calldate, since) {
      const [where, values] = window(calldate, since)
      const result = await client.query(`SELECT COUNT(*)::text AS n, MAX(${client.escapeIdentifier(calldate)})::text AS newest FROM ${from} ${where}`, values)
      const {n, newest} = result.rows[0] as {n: string; newest: string | null}
      return `${n} ${newest ?? ''}`
    },
    rows(select, calldate, since) {
      const [where, values] = window(calldate, since)
      // Every column as text: dates keep the offset the server writes, numbers their digits
      const columns = select.map(({column, as}) => `${client.escapeIdentifier(column)}::text AS ${client.escapeIdentifier(as)}`).join(', ')
      return client.query(new QueryStream(`SELECT ${columns} FROM ${from} ${where}`, values, {batchSize: 1000})) as AsyncIterable<Record<string, unknown>>
    },
    async close() {
      await client.query('ROLLBACK').catch(() => {})
      await client.end().catch(() => {})
    },
  }
}
