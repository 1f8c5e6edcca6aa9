import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, test} from 'node:test'
import lockfile from 'proper-lockfile'
import {callrec, callrecJson, wav, tempArchive} from '../helpers.ts'
import {listFiles, NOW, OLD, recordings} from './fixtures.ts'

const archive = tempArchive
const journalOf = (dir: string) =>
  existsSync(path.join(dir, '.callrec/journal.jsonl'))
    ? readFileSync(path.join(dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line))
    : []

describe('purge', () => {
  test('--dry-run prints the plan and deletes nothing, journals nothing', async () => {
    const dir = archive(recordings(6, (i) => i < 4, (i) => (i === 0 ? {callerObjected: true} : {})))
    const before = listFiles(dir)
    const {code, json} = await callrecJson(['purge', dir, '--now', NOW, '--dry-run'])
    assert.equal(code, 0)
    assert.equal(json.plan.recordings, 4)
    assert.deepEqual(json.plan.byRule, {'retention-expired': 4, 'caller-objected': 1})
    assert.equal(json.plan.oldestRecordedAt, '2025-01-10T08:30:00.000Z')
    assert.deepEqual(listFiles(dir), before)
    assert.deepEqual(journalOf(dir), [])
  })

  test('refuses without a terminal and without --yes (exit 2), deleting nothing', async () => {
    const dir = archive(recordings(3, () => true))
    const before = listFiles(dir)
    const {code, stderr, stdout} = await callrec(['purge', dir, '--now', NOW])
    assert.equal(code, 2)
    assert.match(stdout, /3 recordings to delete/)
    assert.match(stderr, /refusing to delete 3 recordings without confirmation: no terminal to ask on; add --yes/)
    assert.deepEqual(listFiles(dir), before)
    assert.deepEqual(journalOf(dir), [])
  })

  test('deletes what is past retention or objected, with its sidecar and .age form, one journal entry each with size and SHA-256', async () => {
    const files = recordings(4, (i) => i < 2, (i) => (i === 3 ? {callerObjected: true} : {}))
    files['calls/0001.wav.age'] = Buffer.from('age-encryption.org/v1\n-> X25519 abc\nnot really\n')
    const dir = archive(files)
    const sha = (key: string) => createHash('sha256').update(readFileSync(path.join(dir, key))).digest('hex')
    const expected = {'calls/0000.wav': sha('calls/0000.wav'), 'calls/0001.wav': sha('calls/0001.wav'), 'calls/0001.wav.age': sha('calls/0001.wav.age'), 'calls/0003.wav': sha('calls/0003.wav')}
    const {code, json} = await callrecJson(['purge', dir, '--now', NOW, '--yes', '--reason', 'monthly purge'])
    assert.equal(code, 0, JSON.stringify(json))
    assert.deepEqual(listFiles(dir), ['calls/0002.json', 'calls/0002.wav'])
    const entries = journalOf(dir)
    assert.equal(entries.length, 3)
    const journaled = Object.fromEntries(entries.flatMap((entry) => entry.details.files.map((file: {key: string; sha256: string}) => [file.key, file.sha256])))
    assert.deepEqual(journaled, expected)
    for (const entry of entries) {
      assert.equal(entry.action, 'purge')
      assert.equal(entry.outcome, 'ok')
      assert.equal(entry.reason, 'monthly purge')
      assert.match(entry.details.sidecar, /^calls\/000[013]\.json$/)
    }
    assert.deepEqual(entries.find((entry) => entry.keys.includes('calls/0003.wav')).details.rules, ['caller-objected'])
  })

  test('a second run exits 4 while the archive lock is held, and runs once it is released', async () => {
    const dir = archive(recordings(2, () => true))
    mkdirSync(path.join(dir, '.callrec'))
    const release = await lockfile.lock(path.join(dir, '.callrec', 'archive'), {realpath: false})
    try {
      const {code, stderr} = await callrec(['purge', dir, '--now', NOW, '--yes'])
      assert.equal(code, 4)
      assert.match(stderr, /is locked by another callrec run \(.*\.callrec\/archive\.lock\)/)
      assert.equal(listFiles(dir).length, 4)
    } finally {
      await release()
    }
    const {code} = await callrec(['purge', dir, '--now', NOW, '--yes'])
    assert.equal(code, 0)
    assert.deepEqual(listFiles(dir), [])
  })

  test('--certificate writes JSON and CSV certificates that match the journal', async () => {
    const dir = archive(recordings(3, (i) => i !== 1))
    const out = mkdtempSync(path.join(tmpdir(), 'callrec-cert-'))
    process.once('exit', () => rmSync(out, {recursive: true, force: true}))
    const {code} = await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', path.join(out, 'cert.json'), '--actor', 'dpo@example.org'])
    assert.equal(code, 0)
    const certificate = JSON.parse(readFileSync(path.join(out, 'cert.json'), 'utf8'))
    const entries = journalOf(dir)
    assert.deepEqual(certificate.selectedBy, ['retention-expired', 'caller-objected'])
    assert.equal(certificate.by.name, 'dpo@example.org')
    assert.deepEqual(certificate.deleted.map((deleted: {key: string}) => deleted.key), ['calls/0000.wav', 'calls/0002.wav'])
    assert.deepEqual(certificate.deleted[0].retention, {duration: '6 months', endedAt: '2025-07-10T07:30:00.000Z'})
    assert.deepEqual([certificate.journal.firstSeq, certificate.journal.lastSeq, certificate.journal.head], [1, 2, `2:${entries[1].hash}`])
    assert.deepEqual(certificate.deleted.map((deleted: {entryHash: string}) => deleted.entryHash), entries.map((entry) => entry.hash))
    for (const entry of entries) assert.equal(entry.details.certificate, path.join(out, 'cert.json'))

    const again = archive(recordings(2, () => true))
    assert.equal((await callrec(['purge', again, '--now', NOW, '--yes', '--certificate', path.join(out, 'cert.csv')])).code, 0)
    const rows = readFileSync(path.join(out, 'cert.csv'), 'utf8').trim().split('\r\n')
    assert.equal(rows.length, 3)
    assert.match(rows[0], /^key,status,files,size,sha256,links,sidecar,rules,recordedAt/)
    assert.match(rows[1], /^calls\/0000\.wav,destroyed,calls\/0000\.wav,844,[0-9a-f]{64},1,calls\/0000\.json,retention-expired,/)
  })

  test('a certificate inside the archive is refused before anything is deleted', async () => {
    const dir = archive(recordings(1, () => true))
    const {code, stderr} = await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', path.join(dir, 'cert.json')])
    assert.equal(code, 2)
    assert.match(stderr, /inside the archive/)
    assert.equal(listFiles(dir).length, 2)
  })

  test('never touches anything outside the root: a symlinked recording and its target stay', async () => {
    const outside = mkdtempSync(path.join(tmpdir(), 'callrec-outside-'))
    process.once('exit', () => rmSync(outside, {recursive: true, force: true}))
    writeFileSync(path.join(outside, 'secret.wav'), wav(0.05))
    writeFileSync(path.join(outside, 'secret.json'), JSON.stringify({recordedAt: OLD, purpose: 'quality'}))
    const dir = archive({'calls/a.json': {recordedAt: OLD, purpose: 'quality'}})
    symlinkSync(path.join(outside, 'secret.wav'), path.join(dir, 'calls/a.wav'))
    symlinkSync(outside, path.join(dir, 'linked'))
    // No recording inside the root: an empty archive, which purge accepts only when told.
    const {code} = await callrec(['purge', dir, '--now', NOW, '--yes', '--allow-empty'])
    assert.equal(code, 0)
    assert.ok(existsSync(path.join(outside, 'secret.wav')))
    assert.ok(existsSync(path.join(outside, 'secret.json')))
    assert.ok(existsSync(path.join(dir, 'calls/a.wav')))
    assert.deepEqual(journalOf(dir), [])
  })

  test('nothing to delete: exit 0, no journal entry', async () => {
    const dir = archive(recordings(2, () => false))
    const {code, stdout} = await callrec(['purge', dir, '--now', NOW, '--yes'])
    assert.equal(code, 0)
    assert.match(stdout, /nothing to delete/)
    assert.deepEqual(journalOf(dir), [])
  })
})
