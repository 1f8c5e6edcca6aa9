import assert from 'node:assert/strict'
import {Readable} from 'node:stream'
import {describe, test} from 'node:test'
import {generateHybridIdentity, generateX25519Identity, identityToRecipient} from 'age-encryption'
import {AgeSealer, ageFileSize, decrypterFor, openAge, readStanzas} from '../../src/crypto/age.js'
import {AgeError} from '../../src/crypto/errors.js'
import {CHUNK_SIZE} from '../../src/crypto/stream.js'
import {collect, pattern} from './helpers.ts'

const identity = await generateX25519Identity()
const recipient = await identityToRecipient(identity)
const sealer = new AgeSealer({recipients: [recipient]})

async function encrypt(plaintext: Buffer, pieceSize = 65_536): Promise<{file: Buffer; header: Buffer}> {
  const pieces = []
  for (let i = 0; i < plaintext.length; i += pieceSize) pieces.push(plaintext.subarray(i, i + pieceSize))
  const {ciphertext, header} = await sealer.encrypt(Readable.from(pieces))
  return {file: await collect(ciphertext), header}
}

async function failure(promise: Promise<unknown>): Promise<AgeError> {
  const error = await promise.then(() => undefined, (caught: unknown) => caught)
  assert.ok(error instanceof AgeError, `expected an AgeError, got ${error}`)
  return error
}

describe('AgeSealer and openAge', () => {
  for (const size of [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 2 * CHUNK_SIZE, 3 * CHUNK_SIZE + 12_345]) {
    test(`round trip of ${size} bytes, with the size age predicts`, async () => {
      const plaintext = pattern(size, size)
      for (const pieceSize of [1000, 65_536, 300_000]) {
        const {file, header} = await encrypt(plaintext, pieceSize)
        assert.equal(file.length, ageFileSize(header.length, size))
        assert.ok(file.subarray(0, header.length).equals(header))
        assert.deepEqual(await collect(await openAge([file], decrypterFor([identity]))), plaintext)
      }
    })
  }

  test('a plaintext of exactly n chunks ends with a full final chunk, not an empty one', async () => {
    const {file, header} = await encrypt(pattern(2 * CHUNK_SIZE))
    assert.equal(file.length, header.length + 16 + 2 * (CHUNK_SIZE + 16))
  })

  test('every file gets its own file key and nonce', async () => {
    const [a, b] = [await encrypt(pattern(100)), await encrypt(pattern(100))]
    assert.notDeepEqual(a.header, b.header)
    assert.notDeepEqual(a.file.subarray(a.header.length), b.file.subarray(b.header.length))
  })

  test('several recipients, X25519 and hybrid post-quantum, each decrypt', async () => {
    const hybrid = await generateHybridIdentity()
    const other = await generateX25519Identity()
    const multi = new AgeSealer({recipients: [recipient, await identityToRecipient(hybrid), await identityToRecipient(other)]})
    const {ciphertext, header} = await multi.encrypt(Readable.from([pattern(70_000)]))
    const file = await collect(ciphertext)
    assert.deepEqual((await readStanzas(header)).map((stanza) => stanza.args[0]), ['X25519', 'mlkem768x25519', 'X25519'])
    for (const key of [identity, hybrid, other]) assert.deepEqual(await collect(await openAge([file], decrypterFor([key]))), pattern(70_000))
  })

  test('a passphrase encrypts to a lone scrypt stanza and decrypts', async () => {
    const scrypt = new AgeSealer({passphrase: 'correct horse battery staple'})
    const {ciphertext, header} = await scrypt.encrypt(Readable.from([pattern(1000)]))
    const file = await collect(ciphertext)
    assert.deepEqual((await readStanzas(header)).map((stanza) => stanza.args[0]), ['scrypt'])
    assert.deepEqual(await collect(await openAge([file], decrypterFor([], ['correct horse battery staple']))), pattern(1000))
    assert.equal((await failure(openAge([file], decrypterFor([], ['wrong'])))).kind, 'no match')
  })

  test('refuses invalid recipients and empty targets up front', () => {
    assert.throws(() => new AgeSealer({recipients: ['age1notavalidrecipient']}), /age1notavalidrecipient: not a valid age recipient/)
    assert.throws(() => new AgeSealer({recipients: []}), /no recipients/)
    assert.throws(() => new AgeSealer({passphrase: ''}), /empty/)
  })

  test('a wrong identity is "no match", before any plaintext', async () => {
    const {file} = await encrypt(pattern(10))
    const error = await failure(openAge([file], decrypterFor([await generateX25519Identity()])))
    assert.equal(error.kind, 'no match')
  })

  test('an altered MAC is an HMAC failure; an altered stanza body matches no identity', async () => {
    const {file, header} = await encrypt(pattern(10))
    const change = (offset: number) => {
      const copy = Buffer.from(file)
      copy[offset] = copy[offset] === 0x41 ? 0x42 : 0x41 // another base64 letter, inside the line: still canonical
      return copy
    }
    const mac = header.lastIndexOf('--- ') + 10
    const body = header.indexOf('\n', header.indexOf('-> X25519')) + 10
    assert.equal((await failure(openAge([change(mac)], decrypterFor([identity])))).kind, 'hmac')
    assert.equal((await failure(openAge([change(body)], decrypterFor([identity])))).kind, 'no match')
  })

  test('a corrupt or truncated payload releases only the authenticated chunks before it', async () => {
    const plaintext = pattern(3 * CHUNK_SIZE + 500)
    const {file, header} = await encrypt(plaintext)
    const secondChunk = header.length + 16 + CHUNK_SIZE + 16 + 10
    const cases = [
      {bytes: Buffer.concat([file.subarray(0, secondChunk), Buffer.from([file[secondChunk] ^ 1]), file.subarray(secondChunk + 1)]), released: CHUNK_SIZE},
      {bytes: file.subarray(0, file.length - 1), released: 3 * CHUNK_SIZE},
      {bytes: file.subarray(0, header.length + 16 + 2 * (CHUNK_SIZE + 16)), released: 2 * CHUNK_SIZE},
      {bytes: Buffer.concat([file, Buffer.from('x')]), released: 3 * CHUNK_SIZE},
    ]
    for (const {bytes, released} of cases) {
      const out: Buffer[] = []
      const error = await failure(
        (async () => {
          for await (const chunk of await openAge([bytes], decrypterFor([identity]))) out.push(chunk)
        })(),
      )
      assert.equal(error.kind, 'payload')
      assert.deepEqual(Buffer.concat(out), plaintext.subarray(0, released))
    }
  })

  test('armored input decrypts; a non-age file is refused early', async () => {
    const {armor} = await import('age-encryption')
    const {file} = await encrypt(pattern(5000))
    const armored = Buffer.from('\n  ' + armor.encode(file) + '\n')
    assert.deepEqual(await collect(await openAge([armored], decrypterFor([identity]))), pattern(5000))
    const wav = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVEfmt '), pattern(2_000_000)])
    assert.match((await failure(openAge([wav], decrypterFor([identity])))).message, /not an age-encrypted file/)
  })
})
