// Benchmark: `callrec audit` of an archive whose CDR has millions of rows, with the peak RSS of the CLI.
//   node --import tsx bench/cdr.ts [ROWS...=1000000 2000000] [--db ROWS]
// For each size, writes a 21-column Master.csv (cdr_csv with loguniqueid, loguserfield, newcdrcolumns; ~240 bytes a
// row, six months of a call centre) beside 1,000 recordings that join it, then runs the real CLI twice under GNU
// time: the first run builds the CDR index (.callrec/cache/), the second reuses it. `--db ROWS` loads ROWS rows into
// a FreePBX-shaped MariaDB table and a cdr_pgsql PostgreSQL table (servers from test/db/servers.ts) and audits
// through each: the query streamed from a cursor into the index.
import {execFile} from 'node:child_process'
import {createWriteStream, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {once} from 'node:events'
import {startMariaDb, startPostgres, type DbServer} from '../test/db/servers.ts'
import {wav} from '../test/helpers.ts'

const ROOT = path.resolve(import.meta.dirname, '..')
const args = process.argv.slice(2)
const dbIndex = args.indexOf('--db')
// --prof DIR: CPU profiles of the CLI runs (node --cpu-prof) into DIR
const profIndex = args.indexOf('--prof')
const profile = profIndex >= 0 ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(args[profIndex + 1])}`] : []
const dbRows = dbIndex >= 0 ? Number(args[dbIndex + 1]) : 0
const sizes = args.filter((arg, index) => /^\d+$/.test(arg) && (dbIndex < 0 || index !== dbIndex + 1)).map(Number)
if (sizes.length === 0 && dbRows === 0) sizes.push(1_000_000, 2_000_000)

const RECORDINGS = 1_000
const START = Date.UTC(2026, 0, 5, 7) // six months of calls from here
const SPAN = 180 * 86_400_000

interface Call {
  start: Date
  uniqueid: string
  agent: string
  caller: string
  answered: boolean
  recording?: string
}

/** Row i of the CDR: spread over six months, 50 agents, 80 % answered, a recording for every i % step === 0. */
function call(i: number, rows: number): Call {
  const start = new Date(START + Math.floor((i / rows) * SPAN))
  const uniqueid = `${Math.floor(start.getTime() / 1000)}.${i}`
  const step = Math.floor(rows / RECORDINGS)
  const caller = `06${String(i % 100_000_000).padStart(8, '0')}`
  const stamp = start.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15)
  return {
    start,
    uniqueid,
    agent: String(1000 + (i % 50)),
    caller,
    answered: i % 5 !== 0,
    recording: i % step === 0 && i / step < RECORDINGS ? `in-0140000000-${caller}-${stamp}-${uniqueid}.wav` : undefined,
  }
}

const wall = (date: Date) => date.toISOString().slice(0, 19).replace('T', ' ')

function csvRow(c: Call): string {
  const end = new Date(c.start.getTime() + 95_000)
  const cells = [
    '', c.caller, '0140000000', 'from-trunk', `"Client ${c.caller.slice(-4)}" <${c.caller}>`, 'PJSIP/ovh-0000a1f3', `PJSIP/${c.agent}-0000a1f4`,
    c.recording ? 'MixMonitor' : 'Dial', c.recording ? `/var/spool/asterisk/monitor/${c.recording},b` : `PJSIP/${c.agent},30,tr`,
    wall(c.start), c.answered ? wall(new Date(c.start.getTime() + 5000)) : null, wall(end), 95, c.answered ? 90 : 0,
    c.answered ? 'ANSWERED' : 'NO ANSWER', 'DOCUMENTATION', c.uniqueid, c.recording ?? '', '', c.uniqueid, 1,
  ]
  return cells.map((cell) => (cell === null ? '' : typeof cell === 'number' ? String(cell) : `"${cell.replaceAll('"', '""')}"`)).join(',') + '\n'
}

/** The archive: 1,000 recordings named as FreePBX names them, each with its CDR row somewhere in the file. */
function makeArchive(rows: number, policy: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-cdr-bench-'))
  writeFileSync(path.join(dir, 'callrec.yml'), policy)
  const audio = wav(1)
  const step = Math.floor(rows / RECORDINGS)
  for (let n = 0; n < RECORDINGS; n++) {
    const c = call(n * step, rows)
    const day = c.start.toISOString().slice(0, 10).replaceAll('-', '/')
    mkdirSync(path.join(dir, 'monitor', day), {recursive: true})
    writeFileSync(path.join(dir, 'monitor', day, c.recording!), audio)
  }
  return dir
}

async function writeMasterCsv(file: string, rows: number): Promise<void> {
  const out = createWriteStream(file)
  let chunk = ''
  for (let i = 0; i < rows; i++) {
    chunk += csvRow(call(i, rows))
    if (chunk.length > 1 << 20) {
      if (!out.write(chunk)) await once(out, 'drain')
      chunk = ''
    }
  }
  out.end(chunk)
  await once(out, 'finish')
}

/** The CLI under GNU time: wall seconds and peak RSS. */
function audit(dir: string, env: Record<string, string> = {}): Promise<{seconds: number; rssMb: number; findings: number}> {
  return new Promise((resolve, reject) => {
    execFile('/usr/bin/time', ['-v', process.execPath, ...profile, path.join(ROOT, 'bin', 'run.js'), 'audit', dir, '--format', 'ndjson', '--fail-on', 'never'], {env: {...process.env, ...env}, maxBuffer: 1 << 30}, (error, stdout, stderr) => {
      if (error) return reject(new Error(stderr.slice(-2000)))
      const rss = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(stderr)?.[1]) / 1024
      const [, h, m, s] = /Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)/.exec(stderr)!
      resolve({seconds: Number(h ?? 0) * 3600 + Number(m) * 60 + Number(s), rssMb: rss, findings: stdout.split('\n').filter(Boolean).length})
    })
  })
}

function report(label: string, run: {seconds: number; rssMb: number; findings: number}): void {
  console.log(`${label.padEnd(44)} ${run.seconds.toFixed(1).padStart(6)} s  peak RSS ${run.rssMb.toFixed(0).padStart(4)} MB  ${run.findings} findings`)
}

for (const rows of sizes) {
  const dir = makeArchive(rows, 'timezone: UTC\ncdr:\n  - path: Master.csv\n    format: asterisk-csv\n')
  try {
    const started = performance.now()
    await writeMasterCsv(path.join(dir, 'Master.csv'), rows)
    const bytes = statSync(path.join(dir, 'Master.csv')).size
    console.log(`\n${rows.toLocaleString('en')} rows, Master.csv ${(bytes / 1e6).toFixed(0)} MB (written in ${((performance.now() - started) / 1000).toFixed(1)} s), ${RECORDINGS} recordings`)
    report('audit, index built', await audit(dir))
    const cache = path.join(dir, '.callrec', 'cache')
    const index = (await import('node:fs')).readdirSync(cache).map((file) => statSync(path.join(cache, file)).size).reduce((a, b) => a + b, 0)
    console.log(`${'index on disk'.padEnd(44)} ${(index / 1e6).toFixed(0)} MB`)
    report('audit, index reused', await audit(dir))
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
}

if (dbRows > 0) {
  const password = 'bench-password'
  const servers: DbServer[] = []
  try {
    const [maria, postgres] = await Promise.all([startMariaDb(), startPostgres()])
    servers.push(maria, postgres)
    console.log(`\n${dbRows.toLocaleString('en')} rows in MariaDB (FreePBX cdr) and PostgreSQL (cdr_pgsql), ${RECORDINGS} recordings`)
    const started = performance.now()
    await maria.admin(`CREATE DATABASE asteriskcdrdb; USE asteriskcdrdb; CREATE TABLE cdr (calldate datetime NOT NULL, clid varchar(80) NOT NULL DEFAULT '', src varchar(80) NOT NULL DEFAULT '', dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '', channel varchar(80) NOT NULL DEFAULT '', dstchannel varchar(80) NOT NULL DEFAULT '', lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(80) NOT NULL DEFAULT '', duration int NOT NULL DEFAULT 0, billsec int NOT NULL DEFAULT 0, disposition varchar(45) NOT NULL DEFAULT '', amaflags int NOT NULL DEFAULT 0, accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(32) NOT NULL DEFAULT '', userfield varchar(255) NOT NULL DEFAULT '', recordingfile varchar(255) NOT NULL DEFAULT '', linkedid varchar(32) NOT NULL DEFAULT '', KEY calldate (calldate)); CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY '${password}'; GRANT SELECT ON asteriskcdrdb.* TO 'reader'@'127.0.0.1'`)
    await postgres.admin(`CREATE ROLE reader LOGIN PASSWORD '${password}'; CREATE TABLE cdr (calldate timestamptz NOT NULL, clid varchar(80) NOT NULL DEFAULT '', src varchar(80) NOT NULL DEFAULT '', dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '', channel varchar(80) NOT NULL DEFAULT '', dstchannel varchar(80) NOT NULL DEFAULT '', lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(80) NOT NULL DEFAULT '', duration bigint NOT NULL DEFAULT 0, billsec bigint NOT NULL DEFAULT 0, disposition varchar(45) NOT NULL DEFAULT '', amaflags bigint NOT NULL DEFAULT 0, accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(150) NOT NULL DEFAULT '', userfield varchar(255) NOT NULL DEFAULT '', peeraccount varchar(20) NOT NULL DEFAULT '', linkedid varchar(150) NOT NULL DEFAULT '', sequence int NOT NULL DEFAULT 0); CREATE INDEX cdr_calldate ON cdr (calldate); GRANT SELECT ON cdr TO reader`)
    // Loaded in batches of 4,000 rows (PostgreSQL takes at most 65,535 parameters a statement): not what is measured.
    const batch = 4000
    for (let first = 0; first < dbRows; first += batch) {
      const calls = Array.from({length: Math.min(batch, dbRows - first)}, (_, k) => call(first + k, dbRows))
      const values = calls.map((c) => [wall(c.start), `"Client" <${c.caller}>`, c.caller, '0140000000', 'from-trunk', 'PJSIP/ovh-0000a1f3', `PJSIP/${c.agent}-0000a1f4`, 'Dial', '', 95, c.answered ? 90 : 0, c.answered ? 'ANSWERED' : 'NO ANSWER', c.uniqueid, c.recording ?? '', c.uniqueid])
      await maria.admin('INSERT INTO asteriskcdrdb.cdr (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, uniqueid, recordingfile, linkedid) VALUES ?', [values])
      const flat = values.flatMap((row) => [`${row[0]}+00`, ...row.slice(1, 13), row[13], row[14]])
      const placeholders = values.map((_, r) => `(${Array.from({length: 15}, (_, c) => `$${r * 15 + c + 1}`).join(', ')})`).join(', ')
      await postgres.admin(`INSERT INTO cdr (calldate, clid, src, dst, dcontext, channel, dstchannel, lastapp, lastdata, duration, billsec, disposition, uniqueid, userfield, linkedid) VALUES ${placeholders}`, flat)
    }
    console.log(`${'loaded'.padEnd(44)} ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s`)
    for (const [name, url] of [['MariaDB', `mysql://reader@127.0.0.1:${maria.port}/asteriskcdrdb`], ['PostgreSQL', `postgres://reader@127.0.0.1:${postgres.port}/postgres`]] as const) {
      const dir = makeArchive(dbRows, `timezone: UTC\ncdr:\n  - url: ${url}\n    passwordEnv: CDR_PASSWORD\n`)
      try {
        report(`${name}: audit, query streamed into the index`, await audit(dir, {CDR_PASSWORD: password}))
        report(`${name}: audit, rows unchanged, index reused`, await audit(dir, {CDR_PASSWORD: password}))
      } finally {
        rmSync(dir, {recursive: true, force: true})
      }
    }
  } finally {
    await Promise.all(servers.map((server) => server.stop()))
  }
}
