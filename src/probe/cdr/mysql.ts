// FreePBX's CDR: asteriskcdrdb.cdr in MariaDB or MySQL, read with mysql2 (the maintained pure-JS driver).
import {readFileSync} from 'node:fs'
import mysql from 'mysql2'
import type {CdrDriver, DriverOptions} from './database.js'

export async function connect({url, password, table, tls}: DriverOptions): Promise<CdrDriver> {
  const socketPath = url.searchParams.get('socket') ?? undefined
  const connection = mysql.createConnection({
    ...(socketPath ? {socketPath} : {host: url.hostname || 'localhost', port: url.port ? Number(url.port) : 3306}),
    user: decodeURIComponent(url.username) || undefined,
    password,
    database: decodeURIComponent(url.pathname.replace(/^\//, '')) || undefined,
    // DATETIME as written: the PBX's wall clock, read in the entry's zone by the same code as Master.csv
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    ...(tls ? {ssl: {ca: tls.ca ? readFileSync(tls.ca, 'utf8') : undefined, rejectUnauthorized: tls.rejectUnauthorized}} : {}),
  })
  const promise = connection.promise()
  try {
    await promise.connect()
    // Read only, whatever the user's grants: the one statement this connection runs is a SELECT.
    await promise.query('SET SESSION TRANSACTION READ ONLY')
    await promise.query('START TRANSACTION READ ONLY')
  } catch (error) {
    connection.destroy()
    throw error
  }
  const from = mysql.escapeId(table)
  const window = (calldate: string, since?: string): [string, string[]] => (since ? [`WHERE ${mysql.escapeId(calldate)} >= ?`, [since]] : ['', []])
  return {
    async columns() {
      const [, fields] = await promise.query(`SELECT * FROM ${from} LIMIT 0`)
      return (fields ?? []).map((field) => field.name)
    },
    async fingerprint(calldate, since) {
      const [where, values] = window(calldate, since)
      const [rows] = await promise.query(`SELECT COUNT(*) AS n, MAX(${mysql.escapeId(calldate)}) AS newest FROM ${from} ${where}`, values)
      const [{n, newest}] = rows as {n: string; newest: string | null}[]
      return `${n} ${newest ?? ''}`
    },
    rows(select, calldate, since) {
      const [where, values] = window(calldate, since)
      const columns = select.map(({column, as}) => `${mysql.escapeId(column)} AS ${mysql.escapeId(as)}`).join(', ')
      // .stream() reads row by row with backpressure: memory stays flat for any number of rows
      return connection.query(`SELECT ${columns} FROM ${from} ${where}`, values).stream({highWaterMark: 1000}) as AsyncIterable<Record<string, unknown>>
    },
    async close() {
      await promise.end().catch(() => connection.destroy())
    },
  }
}
