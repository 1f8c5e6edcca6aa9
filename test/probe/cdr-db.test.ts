// CDRs read from real databases: FreePBX's asteriskcdrdb.cdr in MariaDB and Asterisk's cdr_pgsql table in
// PostgreSQL, both started by the test setup (test/db/servers.ts) and read by a read-only user.
import assert from 'node:assert/strict'
import {statSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {freePort, startMariaDb, startPostgres, type DbServer} from '../db/servers.ts'
import {callrec, callrecJson, makeArchive, NOW, wav} from '../helpers.ts'
import {masker} from '../../src/output/personal.ts'

const PASSWORD = 'r3ad-only-Secret'

// Columns as FreePBX creates them (cdr module's install.php): no answer/end, the recording's name in recordingfile.
const FREEPBX_CDR = `CREATE TABLE cdr (
  calldate datetime NOT NULL DEFAULT '1970-01-01 00:00:00', clid varchar(80) NOT NULL DEFAULT '', src varchar(80) NOT NULL DEFAULT '',
  dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '', channel varchar(80) NOT NULL DEFAULT '',
  dstchannel varchar(80) NOT NULL DEFAULT '', lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(80) NOT NULL DEFAULT '',
  duration int(11) NOT NULL DEFAULT 0, billsec int(11) NOT NULL DEFAULT 0, disposition varchar(45) NOT NULL DEFAULT '',
  amaflags int(11) NOT NULL DEFAULT 0, accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(32) NOT NULL DEFAULT '',
  userfield varchar(255) NOT NULL DEFAULT '', did varchar(50) NOT NULL DEFAULT '', recordingfile varchar(255) NOT NULL DEFAULT '',
  cnum varchar(80) NOT NULL DEFAULT '', cnam varchar(80) NOT NULL DEFAULT '', outbound_cnum varchar(80) NOT NULL DEFAULT '',
  outbound_cnam varchar(80) NOT NULL DEFAULT '', dst_cnam varchar(80) NOT NULL DEFAULT '', linkedid varchar(32) NOT NULL DEFAULT '',
  peeraccount varchar(80) NOT NULL DEFAULT '', sequence int(11) NOT NULL DEFAULT 0,
  KEY calldate (calldate), KEY dst (dst), KEY accountcode (accountcode), KEY uniqueid (uniqueid), KEY did (did), KEY recordingfile (recordingfile(191))
) DEFAULT CHARSET=utf8mb4`

// Asterisk's cdr_pgsql table (contrib/scripts, the module's documentation): calldate with a time zone.
const PGSQL_CDR = `CREATE TABLE cdr (
  calldate timestamptz NOT NULL DEFAULT now(), clid varchar(80) NOT NULL DEFAULT '', src varchar(80) NOT NULL DEFAULT '',
  dst varchar(80) NOT NULL DEFAULT '', dcontext varchar(80) NOT NULL DEFAULT '', channel varchar(80) NOT NULL DEFAULT '',
  dstchannel varchar(80) NOT NULL DEFAULT '', lastapp varchar(80) NOT NULL DEFAULT '', lastdata varchar(80) NOT NULL DEFAULT '',
  duration bigint NOT NULL DEFAULT 0, billsec bigint NOT NULL DEFAULT 0, disposition varchar(45) NOT NULL DEFAULT '',
  amaflags bigint NOT NULL DEFAULT 0, accountcode varchar(20) NOT NULL DEFAULT '', uniqueid varchar(150) NOT NULL DEFAULT '',
  userfield varchar(255) NOT NULL DEFAULT '', peeraccount varchar(20) NOT NULL DEFAULT '', linkedid varchar(150) NOT NULL DEFAULT '',
  sequence int NOT NULL DEFAULT 0
)`

interface Row {
  calldate: string
  src: string
  dst: string
  dcontext?: string
  channel: string
  dstchannel: string
  disposition: string
  uniqueid: string
  linkedid?: string
  recordingfile?: string
  userfield?: string
  accountcode?: string
  clid?: string
}

const FREEPBX_NAME = 'in-0140000000-0612345678-20260514-101504-1778746500.12.wav'
const CUSTOM_NAME = 'appel-client-42.wav'
const LEG_NAME = 'out-0699887766-1002-20260514-120000-1778760000.7.wav'

/** The same calls for both databases; times are Paris wall clock (CEST, UTC+2). */
function calls(recordingColumn: boolean): Row[] {
  const answered = {disposition: 'ANSWERED', dcontext: 'from-internal'}
  const agent = (extension: string) => ({channel: 'PJSIP/ovh-00000001', dstchannel: `PJSIP/${extension}-00000002`})
  const rows: Row[] = [
    // a missed attempt then the answer, same uniqueid: the answered row describes the call
    {calldate: '2026-05-14 10:14:40', src: '0612345678', dst: '0140000000', disposition: 'NO ANSWER', uniqueid: '1778746500.12', ...agent('1003')},
    {calldate: '2026-05-14 10:15:00', src: '0612345678', dst: '0140000000', ...answered, dcontext: 'ext-queues', uniqueid: '1778746500.12', recordingfile: FREEPBX_NAME, accountcode: 'sales', userfield: 'vip', clid: '"René Lefèvre" <0612345678>', ...agent('1001')},
    // a custom name without date or uniqueid: joined by recordingfile only
    {calldate: '2026-05-14 11:13:20', src: '0611111111', dst: '0140000000', ...answered, uniqueid: '1778750000.5', recordingfile: CUSTOM_NAME, ...agent('1004')},
    // the recorded leg has the recording's uniqueid only as linkedid
    {calldate: '2026-05-14 12:00:00', src: '1002', dst: '0699887766', ...answered, uniqueid: '1778760001.8', linkedid: '1778760000.7', channel: 'PJSIP/1002-00000003', dstchannel: 'PJSIP/ovh-00000004'},
    // recorded, file missing: an orphan
    {calldate: '2026-05-14 14:00:00', src: '0622222222', dst: '500', ...answered, uniqueid: '1778770000.9', recordingfile: 'q-500-0622222222-20260514-140000-1778770000.9.wav', ...agent('1002')},
    // recorded long before the oldest recording (its file purged since): outside the query's window, no orphan
    {calldate: '2024-01-10 09:00:00', src: '0633333333', dst: '0140000000', ...answered, uniqueid: '1704873600.1', recordingfile: 'in-0140000000-0633333333-20240110-090000-1704873600.1.wav', ...agent('1001')},
    // agent 1002: every answered call of the day recorded (the leg at 12:00, the orphan, these two: systematic); 1001: one of three
    ...[1, 2].map((n) => ({calldate: `2026-05-14 15:0${n}:00`, src: `06444444${n}0`, dst: '0140000000', ...answered, uniqueid: `177877${n}000.1`, recordingfile: `in-0140000000-06444444${n}0-20260514-150${n}00-177877${n}000.1.wav`, ...agent('1002')})),
    {calldate: '2026-05-14 16:00:00', src: '0655555555', dst: '0140000000', ...answered, uniqueid: '1778781000.3', ...agent('1001')},
    {calldate: '2026-05-14 16:30:00', src: '0655555556', dst: '0140000000', ...answered, uniqueid: '1778782800.4', ...agent('1001')},
  ]
  return recordingColumn ? rows : rows.map(({recordingfile, ...row}) => ({...row, userfield: recordingfile ?? row.userfield ?? ''}))
}

const COLUMNS = ['calldate', 'clid', 'src', 'dst', 'dcontext', 'channel', 'dstchannel', 'disposition', 'uniqueid', 'linkedid', 'userfield', 'accountcode'] as const

function archiveFor(url: string, extra = ''): {dir: string; cleanup(): void} {
  return makeArchive({
    'callrec.yml': `timezone: Europe/Paris\nsystematic: {minCalls: 3, maxShare: 0.5}\ncdr:\n  - url: ${url}\n    passwordEnv: CDR_PASSWORD\n${extra}`,
    // the two recordings of agent 1002 at 15:0x are in the archive, so the day counts them as recorded either way
    [`monitor/2026/05/14/${FREEPBX_NAME}`]: wav(),
    [`monitor/custom/${CUSTOM_NAME}`]: wav(),
    [`monitor/2026/05/14/${LEG_NAME}`]: wav(),
    'monitor/2026/05/14/in-0140000000-0644444410-20260514-150100-1778771000.1.wav': wav(),
    'monitor/2026/05/14/in-0140000000-0644444420-20260514-150200-1778772000.1.wav': wav(),
  })
}

async function audit(dir: string, env: Record<string, string> = {CDR_PASSWORD: PASSWORD}) {
  return callrecJson(['audit', dir, '--now', NOW], {env})
}

/** Keys come out with the numbers in them masked, as every output shows them without --show-personal. */
const MASK = masker(false)

function fieldsOf(json: {recordings: {key: string; fields: Record<string, {value: unknown; source: string; ref: string}>}[]}, name: string) {
  return json.recordings.find((recording) => recording.key.endsWith(MASK.key(name)))!.fields
}

/** What every database must give: dates, joins by file name, uniqueid and linkedid, orphans in the window, systematic agent-days. */
async function checkAudit(url: string, label: string) {
  const archive = archiveFor(url)
  try {
    const {json, stderr} = await audit(archive.dir)
    assert.equal(stderr, '', 'nothing on stderr (no driver or SQLite warning)')
    const freepbx = fieldsOf(json, FREEPBX_NAME)
    assert.equal(freepbx.recordedAt.value, '2026-05-14T08:15:00.000Z', 'calldate is Paris wall clock')
    assert.equal(freepbx.recordedAt.source, 'cdr')
    assert.equal(freepbx.recordedAt.ref, `${label}#1778746500.12`)
    assert.equal(freepbx.agent.value, '1001', 'the answered row, not the missed attempt to 1003')
    const custom = fieldsOf(json, CUSTOM_NAME)
    assert.equal(custom.recordedAt.value, '2026-05-14T09:13:20.000Z', 'a custom name joins by recordingfile')
    assert.equal(custom.callId.value, '1778750000.5')
    assert.equal(custom.caller.value, '0611••••11', 'from the row (masked without --show-personal)')
    const leg = fieldsOf(json, LEG_NAME)
    assert.equal(leg.recordedAt.source, 'cdr', 'joined by linkedid')
    assert.equal(leg.recordedAt.value, '2026-05-14T10:00:00.000Z')
    const recording = json.recordings.find((candidate: {key: string}) => candidate.key.endsWith(MASK.key(FREEPBX_NAME)))
    // the CDR fields classify rules read
    assert.deepEqual([recording.cdr.uniqueId, recording.cdr.dcontext, recording.cdr.accountCode], ['1778746500.12', 'ext-queues', 'sales'])

    const findings = (rule: string) => json.findings.filter((finding: {rule: string}) => finding.rule === rule)
    assert.deepEqual(findings('orphan-cdr').map((finding: {key: string}) => finding.key), [`${label}#1778770000.9`], 'the 2024 row is outside the window')
    const systematic = findings('systematic-recording')
    assert.equal(systematic.length, 1)
    assert.equal(systematic[0].key, label)
    assert.match(systematic[0].message, /agent 1002 on 2026-05-14: 4 of 4 answered calls recorded/)
    assert.deepEqual(findings('invalid-cdr'), [])
  } finally {
    archive.cleanup()
  }
}

/** Every error class is one line naming the entry and the host, never the password; exit 2. */
async function checkError(url: string, extra: string, env: Record<string, string>, pattern: RegExp) {
  const archive = archiveFor(url, extra)
  try {
    const result = await callrec(['audit', archive.dir, '--now', NOW], {env})
    assert.equal(result.code, 2, result.stderr)
    const lines = result.stderr.trim().split('\n')
    assert.equal(lines.length, 1, result.stderr)
    assert.match(lines[0], pattern)
    for (const secret of [PASSWORD, env.CDR_PASSWORD].filter(Boolean)) assert.ok(!result.stderr.includes(secret) && !result.stdout.includes(secret), 'no password in the output')
  } finally {
    archive.cleanup()
  }
}

describe('FreePBX CDR in MariaDB', {concurrency: 1}, () => {
  let server: DbServer
  let url: string
  before(async () => {
    server = await startMariaDb()
    await server.admin('CREATE DATABASE asteriskcdrdb')
    await server.admin(`USE asteriskcdrdb; ${FREEPBX_CDR}`)
    for (const row of calls(true)) {
      const names = [...COLUMNS, 'recordingfile'].filter((column) => (row as unknown as Record<string, unknown>)[column] !== undefined)
      await server.admin(`INSERT INTO asteriskcdrdb.cdr (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, names.map((name) => (row as unknown as Record<string, unknown>)[name]))
    }
    // read-only by grant: the user can SELECT and nothing else
    await server.admin(`CREATE USER 'reader'@'127.0.0.1' IDENTIFIED BY '${PASSWORD}'; CREATE USER 'reader'@'localhost' IDENTIFIED BY '${PASSWORD}'`)
    await server.admin(`GRANT SELECT ON asteriskcdrdb.* TO 'reader'@'127.0.0.1'; GRANT SELECT ON asteriskcdrdb.* TO 'reader'@'localhost'`)
    url = `mysql://reader@127.0.0.1:${server.port}/asteriskcdrdb`
  })
  after(() => server?.stop())

  test('dates, joins (recordingfile, uniqueid, linkedid), orphans in the window, systematic recording', () => checkAudit(url, `${url}/cdr`))

  test('over the unix socket, the password from a file', async () => {
    const archive = archiveFor(`mysql://reader@localhost/asteriskcdrdb?socket=${server.socket}`)
    try {
      writeFileSync(path.join(archive.dir, 'callrec.yml'), `timezone: Europe/Paris\ncdr:\n  - url: mysql://reader@localhost/asteriskcdrdb?socket=${server.socket}\n    passwordFile: ../cdr-password\n`)
      writeFileSync(path.join(archive.dir, '..', 'cdr-password'), `${PASSWORD}\n`)
      const {json, code} = await audit(archive.dir, {})
      assert.ok(code === 0 || code === 1, JSON.stringify(json))
      assert.equal(fieldsOf(json, CUSTOM_NAME).recordedAt.source, 'cdr')
    } finally {
      archive.cleanup()
    }
  })

  test('the index is reused while the window\'s rows are unchanged, rebuilt when a row is added', async () => {
    const archive = archiveFor(url)
    try {
      await audit(archive.dir)
      const cache = path.join(archive.dir, '.callrec', 'cache')
      const [file] = (await import('node:fs')).readdirSync(cache)
      const first = statSync(path.join(cache, file))
      await audit(archive.dir)
      const second = statSync(path.join(cache, file))
      assert.deepEqual([second.ino, second.mtimeMs], [first.ino, first.mtimeMs], 'reused')
      await server.admin(`INSERT INTO asteriskcdrdb.cdr (calldate, src, dst, channel, dstchannel, disposition, uniqueid, recordingfile) VALUES ('2026-05-15 09:00:00', '0677777777', '0140000000', 'PJSIP/ovh-1', 'PJSIP/1003-2', 'ANSWERED', '1778828400.4', 'missing.wav')`)
      const {json} = await audit(archive.dir)
      assert.notEqual(statSync(path.join(cache, file)).ino, first.ino, 'rebuilt')
      assert.ok(json.findings.some((finding: {rule: string; key: string}) => finding.rule === 'orphan-cdr' && finding.key.endsWith('#1778828400.4')))
      await server.admin(`DELETE FROM asteriskcdrdb.cdr WHERE uniqueid = '1778828400.4'`)
    } finally {
      archive.cleanup()
    }
  })

  test('errors: refused connection, no socket, bad password, missing table, missing column, unset variable', async () => {
    const closed = await freePort()
    await checkError(`mysql://reader@127.0.0.1:${closed}/asteriskcdrdb`, '', {CDR_PASSWORD: PASSWORD}, new RegExp(`^callrec: cdr mysql://reader@127\\.0\\.0\\.1:${closed}/asteriskcdrdb/cdr: connection refused by 127\\.0\\.0\\.1:${closed}`))
    await checkError('mysql://reader@localhost/asteriskcdrdb?socket=/nonexistent/mysqld.sock', '', {CDR_PASSWORD: PASSWORD}, /^callrec: cdr mysql:\/\/reader@localhost\/asteriskcdrdb\/cdr: no server socket at \/nonexistent\/mysqld\.sock$/)
    await checkError(url, '', {CDR_PASSWORD: 'not-the-password'}, /^callrec: cdr mysql:\/\/reader@127\.0\.0\.1:\d+\/asteriskcdrdb\/cdr: access denied to reader on 127\.0\.0\.1:\d+/)
    await checkError(url, '    table: cdr_archive\n', {CDR_PASSWORD: PASSWORD}, /^callrec: cdr mysql:\/\/reader@127\.0\.0\.1:\d+\/asteriskcdrdb\/cdr_archive: (no table cdr_archive in asteriskcdrdb|reader may not read)/)
    await checkError(url, '    columns: {recordingfile: recfile}\n', {CDR_PASSWORD: PASSWORD}, /^callrec: cdr mysql:\/\/.+\/asteriskcdrdb\/cdr: table cdr has no column recfile \(it has calldate, clid/)
    await checkError(url, '', {}, /^callrec: cdr mysql:\/\/.+: passwordEnv CDR_PASSWORD is not set in the environment$/)
  })

  test('a password inside the URL is refused at load, without echoing it', async () => {
    await checkError(`mysql://reader:${PASSWORD}@127.0.0.1:${server.port}/asteriskcdrdb`, '', {CDR_PASSWORD: PASSWORD}, /callrec\.yml:\d+: cdr\.0\.url: holds a password: never write it in the policy; name it with passwordEnv/)
  })
})

describe('Asterisk cdr_pgsql in PostgreSQL', {concurrency: 1}, () => {
  let server: DbServer
  let url: string
  before(async () => {
    server = await startPostgres()
    await server.admin('CREATE DATABASE asterisk')
    await server.admin(`CREATE ROLE reader LOGIN PASSWORD '${PASSWORD}'`)
    // read-only by grant, and by default for every transaction of the role
    await server.admin('ALTER ROLE reader SET default_transaction_read_only = on')
    const pg = (await import('pg')).default
    const client = new pg.Client({host: server.socket, port: server.port, user: 'postgres', database: 'asterisk'})
    await client.connect()
    try {
      await client.query(PGSQL_CDR)
      // cdr_pgsql writes the PBX's local time; the server stores the instant
      await client.query(`SET TIME ZONE 'Europe/Paris'`)
      for (const row of calls(false)) {
        const names = COLUMNS.filter((column) => (row as unknown as Record<string, unknown>)[column] !== undefined)
        await client.query(`INSERT INTO cdr (${names.join(', ')}) VALUES (${names.map((_, index) => `$${index + 1}`).join(', ')})`, names.map((name) => (row as unknown as Record<string, unknown>)[name]))
      }
      await client.query('GRANT SELECT ON cdr TO reader')
    } finally {
      await client.end()
    }
    url = `postgres://reader@127.0.0.1:${server.port}/asterisk`
  })
  after(() => server?.stop())

  // cdr_pgsql has no recordingfile column: the recording's name is in the userfield, as dialplans put it
  test('dates (timestamptz), joins, orphans in the window, systematic recording', () => checkAudit(url, `${url}/cdr`))

  test('over the unix socket (?host=folder)', async () => {
    const archive = archiveFor(url)
    try {
      writeFileSync(path.join(archive.dir, 'callrec.yml'), `timezone: Europe/Paris\ncdr:\n  - url: postgres://reader@localhost:${server.port}/asterisk?host=${server.socket}\n    passwordEnv: CDR_PASSWORD\n`)
      const {json, code} = await audit(archive.dir)
      assert.ok(code === 0 || code === 1, JSON.stringify(json))
      assert.equal(fieldsOf(json, FREEPBX_NAME).recordedAt.value, '2026-05-14T08:15:00.000Z')
    } finally {
      archive.cleanup()
    }
  })

  test('errors: refused connection, bad password, missing table, missing column', async () => {
    const closed = await freePort()
    await checkError(`postgres://reader@127.0.0.1:${closed}/asterisk`, '', {CDR_PASSWORD: PASSWORD}, new RegExp(`^callrec: cdr postgres://reader@127\\.0\\.0\\.1:${closed}/asterisk/cdr: connection refused by 127\\.0\\.0\\.1:${closed}`))
    await checkError(url, '', {CDR_PASSWORD: 'not-the-password'}, /^callrec: cdr postgres:\/\/reader@127\.0\.0\.1:\d+\/asterisk\/cdr: access denied to reader on 127\.0\.0\.1:\d+/)
    await checkError(url, '    table: cdr_archive\n', {CDR_PASSWORD: PASSWORD}, /^callrec: cdr postgres:\/\/.+\/asterisk\/cdr_archive: no table cdr_archive in asterisk$/)
    await checkError(url, '    columns: {calldate: start}\n', {CDR_PASSWORD: PASSWORD}, /^callrec: cdr postgres:\/\/.+\/asterisk\/cdr: table cdr has no column start \(it has calldate, clid/)
    await checkError(`postgres://reader@127.0.0.1:${server.port}/nodb`, '', {CDR_PASSWORD: PASSWORD}, /^callrec: cdr postgres:\/\/.+\/nodb\/cdr: no database nodb on 127\.0\.0\.1:\d+$/)
  })
})
