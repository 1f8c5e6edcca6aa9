// Issue 9, item 4: certificates of destruction. The path is checked before the first deletion; a certificate is
// never overwritten; every run that asks for one gets one; it records what an auditor needs to check it.
import assert from 'node:assert/strict'
import {execFile, spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {existsSync, linkSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'
import {BIN, callrec, callrecJson, ROOT, tempArchive} from '../helpers.ts'
import {ageLocks, listFiles, NOW, recordings} from './fixtures.ts'

const out = mkdtempSync(path.join(tmpdir(), 'callrec-certs-'))
process.once('exit', () => rmSync(out, {recursive: true, force: true}))
const journalOf = (dir: string) => readFileSync(path.join(dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
const version = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).version

describe('certificates of destruction', () => {
  test('a missing folder or an existing file is refused before anything is deleted (exit 2)', async () => {
    const dir = tempArchive(recordings(2, () => true))
    const missing = await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', path.join(out, 'no/such/folder/cert.json')])
    assert.equal(missing.code, 2)
    assert.match(missing.stderr, /no folder .*no\/such\/folder; nothing deleted/)
    const existing = path.join(out, 'existing.json')
    writeFileSync(existing, 'yesterday\'s proof')
    const again = await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', existing])
    assert.equal(again.code, 2)
    assert.match(again.stderr, /already exists; a certificate is never overwritten/)
    assert.equal(readFileSync(existing, 'utf8'), 'yesterday\'s proof')
    assert.equal(listFiles(dir).length, 4)
    assert.ok(!existsSync(path.join(dir, '.callrec/journal.jsonl')))
  })

  test('a folder that takes no file (a read-only mount) is refused before anything is deleted', async () => {
    const dir = tempArchive(recordings(1, () => true))
    const mount = mkdtempSync(path.join(tmpdir(), 'callrec-ro-'))
    const script = 'mount -t tmpfs -o ro,size=64k tmpfs "$1" && shift && exec "$@"'
    const result = await promisify(execFile)('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', mount, process.execPath, BIN, 'purge', dir, '--now', NOW, '--yes', '--certificate', path.join(mount, 'cert.json')]).then(
      (done) => ({code: 0, stderr: done.stderr}),
      (error) => ({code: error.code as number, stderr: error.stderr as string}),
    )
    rmSync(mount, {recursive: true, force: true})
    assert.equal(result.code, 2)
    assert.match(result.stderr, /cannot write in .* \(EROFS.*\); nothing deleted/)
    assert.equal(listFiles(dir).length, 2)
  })

  test('records --now, the policy\'s hash, the version and the journal head', async () => {
    const policy = 'dueSoon: 30 days\n'
    const dir = tempArchive({...recordings(2, () => true), 'callrec.yml': policy})
    const file = path.join(out, 'facts.json')
    const {code, json} = await callrecJson(['purge', dir, '--now', NOW, '--yes', '--certificate', file])
    assert.equal(code, 0)
    const certificate = JSON.parse(readFileSync(file, 'utf8'))
    const entries = journalOf(dir)
    assert.equal(certificate.now, '2026-11-23T00:00:00.000Z')
    assert.equal(certificate.policySha256, createHash('sha256').update(policy).digest('hex'))
    assert.equal(certificate.callrecVersion, version)
    assert.equal(certificate.journal.head, `2:${entries[1].hash}`)
    assert.equal(json.head, certificate.journal.head)
    assert.equal((await callrec(['access-log', 'verify', dir, '--head', certificate.journal.head])).code, 0)
  })

  test('written when nothing was due', async () => {
    const dir = tempArchive(recordings(2, () => false))
    const file = path.join(out, 'nothing.csv')
    const result = await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', path.join(out, 'nothing.json')])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /nothing to delete/)
    const certificate = JSON.parse(readFileSync(path.join(out, 'nothing.json'), 'utf8'))
    assert.deepEqual([certificate.nothingDue, certificate.deleted, certificate.journal.head], [true, [], `0:${'0'.repeat(64)}`])
    assert.equal((await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', file])).code, 0)
    assert.match(readFileSync(file, 'utf8'), /^key,status,files/)
  })

  test('written by a run that only finishes a killed one', async () => {
    // Kill purges right after their entries are written, until one dies before it could end. A kill that lands
    // inside the append itself (a write of 300 entries can be cut short) leaves a damaged journal, which is another
    // case (journal/tamper.test.ts): such a run is not the one this test is about.
    let dir = ''
    for (let attempt = 0; attempt < 10 && !dir; attempt++) {
      const candidate = tempArchive(recordings(300, () => true))
      const journal = path.join(candidate, '.callrec/journal.jsonl')
      const child = spawn(process.execPath, [BIN, 'purge', candidate, '--now', NOW, '--yes', '--batch', '1000'], {stdio: 'ignore'})
      const poll = setInterval(() => existsSync(journal) && statSync(journal).size > 0 && child.kill('SIGKILL'), 2)
      const signal = await new Promise((resolve) => child.on('exit', (_, signal) => resolve(signal)))
      clearInterval(poll)
      const appended = existsSync(journal) && readFileSync(journal, 'utf8').endsWith('\n')
      if (signal === 'SIGKILL' && appended && existsSync(path.join(candidate, '.callrec/purge-pending.json'))) dir = candidate
    }
    assert.ok(dir, 'no kill landed between the journal entries and the end of the run')
    ageLocks(dir)
    const file = path.join(out, 'finished.json')
    const result = await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', file])
    assert.equal(result.code, 0, result.stderr)
    const certificate = JSON.parse(readFileSync(file, 'utf8'))
    assert.equal(certificate.deleted.length, 300)
    assert.ok(certificate.deleted.some((deleted: {finished?: boolean}) => deleted.finished))
    assert.deepEqual(listFiles(dir), [])
  })

  test('a recording with another hard link is reported as unlinked, not certified as destroyed', async () => {
    const dir = tempArchive(recordings(2, () => true))
    const elsewhere = path.join(out, 'copy-of-0000.wav')
    linkSync(path.join(dir, 'calls/0000.wav'), elsewhere)
    const file = path.join(out, 'links.json')
    const result = await callrec(['purge', dir, '--now', NOW, '--yes', '--certificate', file])
    assert.equal(result.code, 0)
    assert.match(result.stdout, /NOT DESTROYED calls\/0000\.wav: unlinked, but calls\/0000\.wav has 1 other hard link\(s\)/)
    const certificate = JSON.parse(readFileSync(file, 'utf8'))
    assert.deepEqual(certificate.deleted.map((item: {key: string}) => item.key), ['calls/0001.wav'])
    assert.deepEqual(certificate.unlinkedOnly.map((item: {key: string; links: unknown}) => [item.key, item.links]), [['calls/0000.wav', [{key: 'calls/0000.wav', links: 2}]]])
    assert.ok(existsSync(elsewhere), 'nothing outside the archive is touched')
    assert.equal(journalOf(dir).find((entry) => entry.keys[0] === 'calls/0000.wav').details.files[0].links, 2)
  })
})
