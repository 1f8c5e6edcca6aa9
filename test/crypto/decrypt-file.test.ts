import assert from 'node:assert/strict'
import {mkdir, readFile, readdir, stat, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {PassThrough} from 'node:stream'
import {describe, test} from 'node:test'
import {generateX25519Identity, identityToRecipient} from 'age-encryption'
import {AgeSealer, decrypterFor} from '../../src/crypto/age.js'
import {decryptKey} from '../../src/crypto/decrypt-file.js'
import {encryptKey} from '../../src/crypto/encrypt-file.js'
import {LocalStore} from '../../src/store/local.js'
import {MemoryJournal, collect, pattern, sha256, tempFolder, memoryLedger} from './helpers.ts'
import {loadVectors} from './testkit.ts'

const identity = await generateX25519Identity()
const sealer = new AgeSealer({recipients: [await identityToRecipient(identity)]})
const decrypter = decrypterFor([identity])
const REASON = 'DSAR 2026-014: caller asked for a copy'

async function archive(): Promise<{folder: string; store: LocalStore}> {
  const folder = await tempFolder()
  const store = new LocalStore(folder)
  await mkdir(path.join(folder, 'q1'))
  await writeFile(path.join(folder, 'q1/call.wav'), pattern(150_000))
  await encryptKey(store, 'q1/call.wav', sealer, memoryLedger())
  return {folder, store}
}

describe('decryptKey', () => {
  test('to a folder: NAME.EXT, mode 0600, one journal entry with the reason', async () => {
    const {folder, store} = await archive()
    const out = path.join(folder, 'out')
    await mkdir(out)
    const journal = new MemoryJournal()
    assert.equal(await decryptKey(store, 'q1/call.wav.age', {folder: out}, {decrypter, journal, reason: REASON}), `${out}/call.wav`)
    assert.deepEqual(await readFile(path.join(out, 'call.wav')), pattern(150_000))
    assert.equal((await stat(path.join(out, 'call.wav'))).mode & 0o777, 0o600)
    assert.deepEqual(journal.events, [{action: 'decrypt', command: 'decrypt', keys: ['q1/call.wav.age'], reason: REASON, outcome: 'ok', details: {output: `${out}/call.wav`}}])
    await assert.rejects(decryptKey(store, 'q1/call.wav.age', {folder: out}, {decrypter, journal, reason: REASON}), {message: `${out}/call.wav already exists`})
    assert.equal(journal.events.length, 1)
    assert.deepEqual(await readFile(path.join(out, 'call.wav')), pattern(150_000))
  })

  test('to a stream, several files one after the other', async () => {
    const {store} = await archive()
    const stream = new PassThrough()
    const received = collect(stream)
    const journal = new MemoryJournal()
    for (let i = 0; i < 2; i++) await decryptKey(store, 'q1/call.wav.age', {stream}, {decrypter, journal, reason: REASON})
    stream.end()
    assert.deepEqual(await received, Buffer.concat([pattern(150_000), pattern(150_000)]))
    assert.deepEqual(journal.events.map((event) => [event.outcome, event.details?.output]), [['ok', 'stdout'], ['ok', 'stdout']])
  })

  test('in place: restores NAME.EXT with the recording\'s date, then removes the .age', async () => {
    const {folder, store} = await archive()
    const date = new Date('2025-03-04T05:06:07Z')
    await utimes(path.join(folder, 'q1/call.wav.age'), date, date)
    await decryptKey(store, 'q1/call.wav.age', {inPlace: true}, {decrypter, journal: new MemoryJournal(), reason: REASON})
    assert.deepEqual(await readdir(path.join(folder, 'q1')), ['call.wav'])
    assert.deepEqual(await readFile(path.join(folder, 'q1/call.wav')), pattern(150_000))
    assert.equal((await stat(path.join(folder, 'q1/call.wav'))).mtime.getTime(), date.getTime())
  })

  test('in place after an interrupted run: same plaintext → finished; other plaintext → both kept', async () => {
    const {folder, store} = await archive()
    await writeFile(path.join(folder, 'q1/call.wav'), pattern(150_000, 2))
    await assert.rejects(decryptKey(store, 'q1/call.wav.age', {inPlace: true}, {decrypter, journal: new MemoryJournal(), reason: REASON}), /q1\/call\.wav already exists with other content/)
    assert.deepEqual((await readdir(path.join(folder, 'q1'))).sort(), ['call.wav', 'call.wav.age'])
    await writeFile(path.join(folder, 'q1/call.wav'), pattern(150_000))
    await decryptKey(store, 'q1/call.wav.age', {inPlace: true}, {decrypter, journal: new MemoryJournal(), reason: REASON})
    assert.deepEqual(await readdir(path.join(folder, 'q1')), ['call.wav'])
  })

  test('a wrong identity: nothing written, the failed attempt journaled', async () => {
    const {folder, store} = await archive()
    const journal = new MemoryJournal()
    const wrong = decrypterFor([await generateX25519Identity()])
    await assert.rejects(decryptKey(store, 'q1/call.wav.age', {inPlace: true}, {decrypter: wrong, journal, reason: REASON}), /no identity matches/)
    assert.deepEqual(await readdir(path.join(folder, 'q1')), ['call.wav.age'])
    assert.deepEqual(journal.events.map((event) => [event.outcome, event.details?.error]), [['failed', 'no identity matches any of the recipients of this file']])
  })

  test('a reason is mandatory; names without .age cannot be written to a folder or in place', async () => {
    const {folder, store} = await archive()
    const journal = new MemoryJournal()
    await assert.rejects(decryptKey(store, 'q1/call.wav.age', {inPlace: true}, {decrypter, journal, reason: '  '}), /a reason is required/)
    await writeFile(path.join(folder, 'x.bin'), 'x')
    await assert.rejects(decryptKey(store, 'x.bin', {folder}, {decrypter, journal, reason: REASON}), /does not end in \.age/)
    assert.deepEqual(journal.events, [])
  })

  test('testkit payload failures: no output file left, the stream got exactly the authenticated prefix', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    const vectors = loadVectors().filter((vector) => vector.expect === 'payload')
    assert.equal(vectors.length, 19)
    for (const vector of vectors) {
      await writeFile(path.join(folder, `${vector.name}.age`), vector.body)
      const options = {decrypter: decrypterFor(vector.identities, vector.passphrases), journal: new MemoryJournal(), reason: REASON}
      const out = path.join(folder, `out-${vector.name}`)
      await mkdir(out)
      await assert.rejects(decryptKey(store, `${vector.name}.age`, {folder: out}, options))
      assert.deepEqual(await readdir(out, {withFileTypes: false}), [], `${vector.name}: output left behind`)
      await assert.rejects(decryptKey(store, `${vector.name}.age`, {inPlace: true}, options))
      assert.deepEqual((await readdir(folder)).filter((name) => name === vector.name || name.startsWith('.')), [], `${vector.name}: in-place output left behind`)
      const stream = new PassThrough()
      const received = collect(stream)
      await assert.rejects(decryptKey(store, `${vector.name}.age`, {stream}, options))
      stream.end()
      assert.equal(sha256(await received), vector.payload, vector.name)
      assert.deepEqual(options.journal.events.map((event) => event.outcome), ['ok', 'failed', 'ok', 'failed', 'ok', 'failed'])
    }
  })
})
