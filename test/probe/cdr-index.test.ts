// The CDR index on disk: built once from Master.csv, reused while the file is unchanged, rebuilt when it changes,
// and temporary (then removed) when the archive's state folder cannot be written.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {appendFileSync, chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {test} from 'node:test'
import {BIN, callrecJson, makeArchive, NOW, wav} from '../helpers.ts'

const NAME = 'in-0140000000-0612345678-20260514-101504-1778746500.12.wav'

/** A cdr_csv row with uniqueid and userfield (18 columns), Paris wall clock. */
function row(uniqueid: string, start: string, userfield: string, clid = '"Jane Doe" <0612345678>'): Buffer {
  const cells = ['', '0612345678', '0140000000', 'from-trunk', clid, 'PJSIP/ovh-0000001f', 'PJSIP/1001-00000020', 'Dial', 'PJSIP/1001,20,tr', start, start, start, 120, 118, 'ANSWERED', 'DOCUMENTATION', uniqueid, userfield]
  return Buffer.from(cells.map((cell) => (typeof cell === 'number' ? String(cell) : `"${cell.replaceAll('"', '""')}"`)).join(',') + '\n', 'latin1')
}

function archive() {
  return makeArchive({
    'callrec.yml': 'timezone: Europe/Paris\ncdr:\n  - path: Master.csv\n    format: asterisk-csv\n',
    // a caller name in Latin-1, as trunks send it: not UTF-8, read all the same
    'Master.csv': Buffer.concat([row('1778746500.12', '2026-05-14 10:15:00', NAME, '"René Lefèvre" <0612345678>'), row('1778746600.13', '2026-05-14 10:16:40', 'recorded')]),
    [`monitor/2026/05/14/${NAME}`]: wav(),
  })
}

const orphans = (json: {findings: {rule: string; key: string}[]}) => json.findings.filter((finding) => finding.rule === 'orphan-cdr').map((finding) => finding.key)

test('Master.csv is indexed once, reused while unchanged, rebuilt when it grows; non-UTF-8 bytes are read', async () => {
  const {dir, cleanup} = archive()
  try {
    const first = await callrecJson(['audit', dir, '--now', NOW])
    assert.equal(first.stderr, '')
    const recording = first.json.recordings[0]
    assert.equal(recording.fields.recordedAt.ref, 'Master.csv:1')
    assert.equal(recording.fields.recordedAt.value, '2026-05-14T08:15:00.000Z')
    assert.deepEqual(first.json.findings.filter((finding: {rule: string}) => finding.rule === 'invalid-cdr'), [], 'the Latin-1 row is not rejected')
    assert.deepEqual(orphans(first.json), ['Master.csv:2'])

    const cache = path.join(dir, '.callrec', 'cache')
    // The CDR index beside the probe cache (probe.sqlite).
    const files = readdirSync(cache).filter((file) => file.startsWith('cdr-'))
    assert.equal(files.length, 1)
    assert.match(files[0], /^cdr-[0-9a-f]{20}\.sqlite$/)
    const built = statSync(path.join(cache, files[0]))
    const second = await callrecJson(['audit', dir, '--now', NOW])
    assert.deepEqual(second.json.findings, first.json.findings)
    const reused = statSync(path.join(cache, files[0]))
    assert.deepEqual([reused.ino, reused.mtimeMs], [built.ino, built.mtimeMs], 'the index was reused, not rebuilt')

    appendFileSync(path.join(dir, 'Master.csv'), row('1778746700.14', '2026-05-14 10:18:20', 'recorded'))
    const third = await callrecJson(['audit', dir, '--now', NOW])
    assert.deepEqual(orphans(third.json), ['Master.csv:2', 'Master.csv:3'], 'the new row is seen')
    assert.deepEqual(readdirSync(cache).filter((file) => file.startsWith('cdr-')), files, 'the same cache file, replaced')
    assert.notEqual(statSync(path.join(cache, files[0])).ino, built.ino)
  } finally {
    cleanup()
  }
})

test('a damaged cache file is rebuilt; a CDR file that cannot be read is one line naming it', async () => {
  const {dir, cleanup} = archive()
  try {
    await callrecJson(['audit', dir, '--now', NOW])
    const cache = path.join(dir, '.callrec', 'cache')
    const [file] = readdirSync(cache).filter((name) => name.startsWith('cdr-'))
    writeFileSync(path.join(cache, file), 'not a database')
    const again = await callrecJson(['audit', dir, '--now', NOW])
    assert.deepEqual(orphans(again.json), ['Master.csv:2'])
    rmSync(path.join(dir, 'Master.csv'))
    const missing = await callrecJson(['audit', dir, '--now', NOW])
    assert.equal(missing.code, 2)
    assert.match(missing.json.error.message, /^Master\.csv: cannot read the CDR index named in the policy \(ENOENT\)$/)
  } finally {
    cleanup()
  }
})

test('an archive whose state folder cannot be written (another user, read-only) gets a temporary index, removed at exit', {skip: process.getuid?.() !== 0 && 'needs root to run as nobody'}, async () => {
  const {dir, cleanup} = archive()
  const temp = mkdtempSync(path.join(tmpdir(), 'callrec-tmp-'))
  try {
    chmodSync(dir, 0o755)
    chmodSync(temp, 0o1777)
    mkdirSync(path.join(dir, '.callrec'), {mode: 0o755})
    for (const folder of ['monitor', 'monitor/2026', 'monitor/2026/05', 'monitor/2026/05/14']) chmodSync(path.join(dir, folder), 0o755)
    const {stdout, code} = await new Promise<{stdout: string; code: number}>((resolve) => {
      execFile('runuser', ['-u', 'nobody', '--', process.execPath, BIN, 'audit', dir, '--now', NOW, '--json'], {env: {...process.env, TMPDIR: temp, NO_COLOR: '1'}}, (error, out) =>
        resolve({stdout: out, code: error ? Number(error.code) : 0}),
      )
    })
    assert.equal(code, 1, stdout)
    assert.deepEqual(orphans(JSON.parse(stdout)), ['Master.csv:2'])
    assert.deepEqual(readdirSync(path.join(dir, '.callrec')), [], 'nothing written into the archive')
    assert.deepEqual(readdirSync(temp), [], 'the temporary index is gone')
  } finally {
    cleanup()
    rmSync(temp, {recursive: true, force: true})
  }
})
