// A data-subject access request on an archive whose recordings are encrypted: find --export -i decrypts them
// into the export, each decryption journaled, and nothing in the journal keeps the number in clear.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {callrec, makeArchive, wav} from '../helpers.ts'
import {listFiles, RECENT} from './fixtures.ts'

const FREEPBX = 'monitor/2026/10/01/in-0612345678-1001-20261001-093000-1790000000.17.wav'
const plain = wav(0.05)
const work = mkdtempSync(path.join(tmpdir(), 'callrec-dsar-enc-'))
const identity = path.join(work, 'dpo.key')
execFileSync('age-keygen', ['-o', identity], {stdio: 'ignore'})
chmodSync(identity, 0o600)
const recipient = execFileSync('age-keygen', ['-y', identity], {encoding: 'utf8'}).trim()
const encrypt = (bytes: Buffer) => execFileSync('age', ['-r', recipient], {input: bytes})

const made = makeArchive({
  'a.wav': plain,
  'a.json': {recordedAt: RECENT, purpose: 'quality', caller: '06 12 34 56 78'},
  [`${FREEPBX}.age`]: encrypt(plain),
  [FREEPBX.replace(/\.wav$/, '.json')]: {recordedAt: RECENT, purpose: 'quality'},
  'other.wav.age': encrypt(plain),
  'other.json': {recordedAt: RECENT, purpose: 'quality', caller: '0699999999'},
})
after(() => {
  made.cleanup()
  rmSync(work, {recursive: true, force: true})
})

const journal = () => readFileSync(path.join(made.dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))

describe('find --export on an encrypted archive', () => {
  test('without -i, encrypted matches are refused with what to do (exit 3); the plain ones are copied', async () => {
    const dest = path.join(work, 'no-identity')
    const {code, stdout} = await callrec(['find', made.dir, '--caller', '+33612345678', '--export', dest, '--reason', 'DSAR 1'])
    assert.equal(code, 3)
    assert.match(stdout, /exported 1 recording to/)
    assert.match(stdout, /NOT exported monitor\/2026\/10\/01\/in-0612••••78-1001-20261001-093000-1790000000\.17\.wav\.age: encrypted: give an identity \(-i FILE\)/)
  })

  test('with -i, encrypted matches are decrypted into the export (0700 folders, 0600 files), each decryption journaled with masked keys', async () => {
    const dest = path.join(work, 'dsar-2')
    const {code, stdout, stderr} = await callrec(['find', made.dir, '--caller', '+33612345678', '--export', dest, '-i', identity, '--reason', 'DSAR 2'])
    assert.equal(code, 0, stderr)
    assert.match(stdout, /exported 2 recordings to/)
    assert.doesNotMatch(stdout, /0612345678/)
    assert.deepEqual(listFiles(dest), ['a.json', 'a.wav', FREEPBX.replace(/\.wav$/, '.json'), FREEPBX])
    assert.deepEqual(readFileSync(path.join(dest, FREEPBX)), plain)
    for (const file of listFiles(dest)) assert.equal(statSync(path.join(dest, file)).mode & 0o777, 0o600, file)
    for (const folder of ['', 'monitor', 'monitor/2026/10/01']) assert.equal(statSync(path.join(dest, folder)).mode & 0o777, 0o700, folder)

    const entries = journal()
    const text = JSON.stringify(entries)
    assert.doesNotMatch(text, /0612345678/, 'no clear number in any journal entry')
    const decrypted = entries.filter((entry) => entry.action === 'decrypt' && entry.reason === 'DSAR 2')
    assert.equal(decrypted.length, 1)
    assert.equal(decrypted[0].command, 'find')
    assert.deepEqual(decrypted[0].keys, ['monitor/2026/10/01/in-0612••••78-1001-20261001-093000-1790000000.17.wav.age'])
    assert.equal(decrypted[0].details.keyHmacs.length, 1)
    const exported = entries.at(-1)
    assert.equal(exported.action, 'export')
    assert.equal(exported.details.callerHmac, decrypted[0].details.callerHmac)

    // An auditor finds every entry of the recording by its real key.
    const byKey = await callrec(['access-log', 'export', made.dir, '--key', `${FREEPBX}.age`, '--format', 'ndjson'])
    const found = byKey.stdout.trim().split('\n').map((line) => JSON.parse(line))
    assert.deepEqual(found.map((entry) => entry.action), ['find', 'find', 'decrypt', 'export'])
  })

  test('an existing export folder is not written over', async () => {
    const dest = path.join(work, 'dsar-2')
    writeFileSync(path.join(work, 'marker'), '')
    const {code, stdout} = await callrec(['find', made.dir, '--caller', '+33612345678', '--export', dest, '-i', identity, '--reason', 'DSAR 3'])
    assert.equal(code, 3)
    assert.match(stdout, /exported 0 recordings/)
  })
})
