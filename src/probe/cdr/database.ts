// CDRs kept in the PBX's database: FreePBX's asteriskcdrdb.cdr in MariaDB/MySQL, Asterisk's cdr_pgsql (or
// cdr_odbc) table in PostgreSQL. One read-only query, streamed row by row into the on-disk index.
import {readFile} from 'node:fs/promises'
import {CallrecError, errorMessage} from '../../errors.js'
import type {CdrDatabaseConfig} from '../../policy/schema.js'
import {toCall, RowProblem, type CdrColumn, type CdrRow} from './asterisk.js'
import type {CdrSink} from './types.js'

/** What the two drivers do; the SQL dialects differ, nothing else does. */
export interface CdrDriver {
  /** The table's column names (an empty result set's fields). */
  columns(): Promise<string[]>
  /** Row count and newest call date in the window: the same pair as last time reuses the last index. */
  fingerprint(calldate: string, since?: string): Promise<string>
  /** The selected columns of every row in the window, as text, streamed from a cursor. */
  rows(select: {column: string; as: CdrColumn}[], calldate: string, since?: string): AsyncIterable<Record<string, unknown>>
  close(): Promise<void>
}

export interface DriverOptions {
  url: URL
  password?: string
  table: string
  /** The zone the session reads and writes wall-clock times in. */
  timezone: string
  tls?: {ca?: string; rejectUnauthorized: boolean}
}

/** Asterisk's CDR columns as they appear in FreePBX's table and cdr_pgsql's: a policy `columns:` entry renames one. */
const COLUMNS: readonly CdrColumn[] = [
  'start', 'answer', 'end', 'clid', 'src', 'dst', 'dcontext', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'duration', 'billsec',
  'disposition', 'amaflags', 'accountcode', 'uniqueid', 'linkedid', 'userfield', 'peeraccount', 'sequence', 'recordingfile',
]
/** Without these a row says nothing callrec can use. */
const REQUIRED: readonly CdrColumn[] = ['start', 'src', 'dst', 'disposition', 'uniqueid']

export function isMysql(url: URL): boolean {
  return url.protocol === 'mysql:' || url.protocol === 'mariadb:'
}

/** `mysql://reader@pbx:3306/asteriskcdrdb/cdr`: how a database entry is named in messages and refs; never a password. */
export function databaseLabel(config: CdrDatabaseConfig): string {
  const url = new URL(config.url)
  url.password = ''
  url.search = ''
  return `${url.toString().replace(/\/$/, '')}/${config.table}`
}

/** The entry's password, from the environment or a file (first line), never from the policy. */
export async function passwordOf(config: CdrDatabaseConfig, resolve: (file: string) => string): Promise<string | undefined> {
  const label = databaseLabel(config)
  if (config.passwordEnv) {
    const value = process.env[config.passwordEnv]
    if (value === undefined) throw new CallrecError(`cdr ${label}: passwordEnv ${config.passwordEnv} is not set in the environment`)
    return value
  }
  if (config.passwordFile) {
    const file = resolve(config.passwordFile)
    const text = await readFile(file, 'utf8').catch((error: NodeJS.ErrnoException) => {
      throw new CallrecError(`cdr ${label}: cannot read passwordFile ${file} (${error.code ?? error.message})`)
    })
    return text.split(/\r?\n/)[0]
  }
  return undefined
}

export async function openDriver(config: CdrDatabaseConfig, password: string | undefined): Promise<CdrDriver> {
  const url = new URL(config.url)
  const options: DriverOptions = {url, password, table: config.table, timezone: config.timezone!, tls: config.tls}
  const driver = isMysql(url) ? await import('./mysql.js') : await import('./postgres.js')
  return driver.connect(options)
}

/** Which table column feeds each CDR column: the policy's mapping, else the column of the same name (`calldate` for start). */
export function selectColumns(config: CdrDatabaseConfig, available: string[]): {column: string; as: CdrColumn}[] {
  const have = new Map(available.map((name) => [name.toLowerCase(), name]))
  const select: {column: string; as: CdrColumn}[] = []
  for (const as of COLUMNS) {
    const mapped = config.columns?.[as === 'start' ? 'calldate' : as]
    const candidates = mapped ? [mapped] : as === 'start' ? ['calldate', 'start'] : [as]
    const column = candidates.map((name) => have.get(name.toLowerCase())).find(Boolean)
    if (column) select.push({column, as})
    else if (mapped || REQUIRED.includes(as)) {
      const wanted = mapped ?? candidates.join(' or ')
      throw new CallrecError(`cdr ${databaseLabel(config)}: table ${config.table} has no column ${wanted} (it has ${available.join(', ')})`)
    }
  }
  return select
}

/** Streams the window's rows into `sink` as calls, a row that cannot be read as a problem naming it. */
export async function readRows(driver: CdrDriver, config: CdrDatabaseConfig, select: {column: string; as: CdrColumn}[], since: string | undefined, sink: CdrSink): Promise<void> {
  const source = databaseLabel(config)
  const calldate = select.find((entry) => entry.as === 'start')!.column
  let line = 0
  for await (const raw of driver.rows(select, calldate, since)) {
    line++
    const row: CdrRow = {}
    for (const {as} of select) row[as] = textOf(raw[as])
    const ref = `${source}#${row.uniqueid || `row ${line}`}`
    try {
      sink.call(toCall(row, source, ref, config.timezone!))
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error
      sink.problem({line, ref, message: error.message})
    }
  }
}

function textOf(value: unknown): string {
  if (value === null || value === undefined) return ''
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return String(value)
}

/** A driver's error as one line naming the entry and the host, never the password. */
export function databaseError(config: CdrDatabaseConfig, error: unknown): CallrecError {
  if (error instanceof CallrecError) return error
  const label = databaseLabel(config)
  const url = new URL(config.url)
  const where = url.searchParams.get('socket') ?? url.searchParams.get('host') ?? (url.hostname ? `${url.hostname}${url.port ? `:${url.port}` : ''}` : 'the default socket')
  const {code, errno, message} = error as {code?: string; errno?: number; message?: string}
  const user = decodeURIComponent(url.username) || 'the default user'
  const database = url.pathname.replace(/^\//, '')
  let reason: string
  if (code === 'ECONNREFUSED') reason = `connection refused by ${where}: is the database server running there?`
  else if (code === 'ENOENT') reason = `no server socket at ${where}`
  else if (code === 'ETIMEDOUT' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') reason = `cannot reach ${where} (${code})`
  else if (code === 'ER_ACCESS_DENIED_ERROR' || code === '28P01' || code === '28000' || errno === 1045) {
    reason = `access denied to ${user} on ${where}: check the user and the password (passwordEnv or passwordFile)`
  } else if (code === 'ER_DBACCESS_DENIED_ERROR' || code === 'ER_TABLEACCESS_DENIED_ERROR' || code === '42501') {
    reason = `${user} may not read ${database}.${config.table}: grant it SELECT`
  } else if (code === 'ER_BAD_DB_ERROR' || code === '3D000') reason = `no database ${database} on ${where}`
  else if (code === 'ER_NO_SUCH_TABLE' || code === '42P01') reason = `no table ${config.table} in ${database}`
  else if (code === 'ER_BAD_FIELD_ERROR' || code === '42703') reason = `a column is missing in ${config.table} (${message})`
  else if (/certificate|SSL|TLS/i.test(`${code} ${message}`)) reason = `TLS: ${message}`
  else reason = errorMessage(error)
  return new CallrecError(`cdr ${label}: ${reason.replace(/\s+/g, ' ')}`)
}
