import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {appendFileSync} from 'node:fs'
import {chmod, chown, readFile, readdir, stat, utimes, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'
import {generateX25519Identity, identityToRecipient} from 'age-encryption'
import {AgeSealer, decrypterFor, openAge} from '../../src/crypto/age.js'
import {encryptKey, encryptKeys, verifyCiphertext, type EncryptBatch} from '../../src/crypto/encrypt-file.js'
import {LocalStore} from '../../src/store/local.js'
import {collect, ENCRYPT_CHILD, onFullDisk, pattern, sha256, tempFolder} from './helpers.ts'
import {ROOT} from '../helpers.ts'

const identity = await generateX25519Identity()
const recipient = await identityToRecipient(identity)
const sealer = new AgeSealer({recipients: [recipient]})

async function decryptFile(file: string): Promise<Buffer> {
  return collect(await openAge([await readFile(file)], decrypterFor([identity])))
}

/** Runs encrypt-child.ts, as another user with `uid`. */
function runChild(folder: string, options: {uid?: number} = {}): Promise<{code: number | null; batch: EncryptBatch}> {
  const [command, ...args] = [process.execPath, '--import', 'tsx', ENCRYPT_CHILD, folder, recipient]
  const ids = options.uid === undefined ? {} : {uid: options.uid, gid: options.uid}
  const child = spawn(command, args, {cwd: ROOT, env: {...process.env, HOME: '/tmp'}, stdio: ['ignore', 'pipe', 'inherit'], ...ids})
  let out = ''
  child.stdout.on('data', (data) => (out += data))
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({code, batch: JSON.parse(out.trim().split('\n').at(-1)!)}))
  })
}

describe('encryptKey: NAME.EXT → NAME.EXT.age in place', () => {
  test('writes the ciphertext, keeps the recording\'s date, then removes the plaintext', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    await writeFile(path.join(folder, 'call.wav'), pattern(200_000))
    await writeFile(path.join(folder, 'call.json'), '{"purpose":"quality"}')
    const recorded = new Date('2025-06-01T10:00:00Z')
    await utimes(path.join(folder, 'call.wav'), recorded, recorded)
    assert.deepEqual(await encryptKey(store, 'call.wav', sealer), {key: 'call.wav', action: 'encrypted', size: 200_000})
    assert.deepEqual((await readdir(folder)).sort(), ['call.json', 'call.wav.age'])
    assert.deepEqual(await decryptFile(path.join(folder, 'call.wav.age')), pattern(200_000))
    assert.equal((await stat(path.join(folder, 'call.wav.age'))).mtime.getTime(), recorded.getTime())
  })

  test('finishes a run that stopped after writing the ciphertext, without rewriting it', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    await writeFile(path.join(folder, 'a.wav'), pattern(1000))
    const {ciphertext} = await sealer.encrypt([pattern(1000)])
    await store.writeAtomic('a.wav.age', ciphertext)
    const written = await readFile(path.join(folder, 'a.wav.age'))
    assert.equal((await encryptKey(store, 'a.wav', sealer)).action, 'completed')
    assert.deepEqual(await readdir(folder), ['a.wav.age'])
    assert.deepEqual(await readFile(path.join(folder, 'a.wav.age')), written)
  })

  test('leaves both files alone when the .age beside a plaintext is not its ciphertext', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    const other = new AgeSealer({recipients: [recipient, await identityToRecipient(await generateX25519Identity())]})
    const cases = [
      {name: 'short', ciphertext: (await sealer.encrypt([pattern(999)])).ciphertext, reason: /has \d+ bytes where \d+ were expected/},
      {name: 'others', ciphertext: (await other.encrypt([pattern(1000)])).ciphertext, reason: /has \d+ bytes where/},
      {name: 'junk', ciphertext: pattern(1000 + 200), reason: /does not start with an age header of the expected length/},
    ]
    for (const {name, ciphertext, reason} of cases) {
      await writeFile(path.join(folder, `${name}.wav`), pattern(1000))
      await store.writeAtomic(`${name}.wav.age`, ciphertext)
      const before = await readFile(path.join(folder, `${name}.wav.age`))
      await assert.rejects(encryptKey(store, `${name}.wav`, sealer), (error: Error) => {
        assert.match(error.message, new RegExp(`^${name}\\.wav\\.age already exists and is not this recording's ciphertext`))
        assert.match(error.message, reason)
        return true
      })
      assert.deepEqual(await readFile(path.join(folder, `${name}.wav`)), pattern(1000))
      assert.deepEqual(await readFile(path.join(folder, `${name}.wav.age`)), before)
    }
  })

  test('leaves both alone when the plaintext changed after the .age was written (same size, later date)', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    await store.writeAtomic('a.wav.age', (await sealer.encrypt([pattern(1000)])).ciphertext)
    await writeFile(path.join(folder, 'a.wav'), pattern(1000, 2))
    const later = new Date(Date.now() + 60_000)
    await utimes(path.join(folder, 'a.wav'), later, later)
    await assert.rejects(encryptKey(store, 'a.wav', sealer), /a\.wav\.age already exists and is not this recording's ciphertext \(the plaintext changed after it was written\)/)
    assert.deepEqual(await readFile(path.join(folder, 'a.wav')), pattern(1000, 2))
  })

  test('verifyCiphertext: the header written, byte for byte; or, from an earlier run, the same stanza shapes', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    const passphrase = new AgeSealer({passphrase: 'p'})
    const {ciphertext, header} = await passphrase.encrypt([pattern(10)])
    await store.writeAtomic('p.age', ciphertext)
    await verifyCiphertext(store, 'p.age', 10, header, true)
    await verifyCiphertext(store, 'p.age', 10, await passphrase.referenceHeader(), false)
    await assert.rejects(verifyCiphertext(store, 'p.age', 10, await passphrase.referenceHeader(), true), /p\.age does not start with the header written/)
    // A header of the same length but for an X25519 recipient: only the stanza shape tells them apart.
    const x25519 = Buffer.from(header.toString('latin1').replace(/-> scrypt \S+ 18/, (line) => `-> X25519 ${'A'.repeat(line.length - 10)}`), 'latin1')
    assert.equal(x25519.length, header.length)
    await assert.rejects(verifyCiphertext(store, 'p.age', 10, x25519, false), /p\.age has a header for other recipients/)
  })

  test('a recording that grows while it is encrypted is left as it is', async () => {
    const folder = await tempFolder()
    // The PBX appends to the recording right after it was read.
    class GrowingStore extends LocalStore {
      async open(key: string) {
        const entry = await super.open(key)
        if (!entry) return entry
        const read = async (position: number, length: number) => {
          const bytes = await entry.read(position, length)
          if (position + bytes.length === entry.size) appendFileSync(path.join(folder, key), 'more audio')
          return bytes
        }
        return {...entry, read}
      }
    }
    await writeFile(path.join(folder, 'live.wav'), pattern(5000))
    await assert.rejects(encryptKey(new GrowingStore(folder), 'live.wav', sealer), /changed while being encrypted/)
    assert.deepEqual(await readdir(folder), ['live.wav'])
  })

  test('encryptKeys: bounded concurrency, progress per file, failures collected, the rest done', async () => {
    const folder = await tempFolder()
    const keys = Array.from({length: 40}, (_, i) => `r${String(i).padStart(2, '0')}.wav`)
    for (const [i, key] of keys.entries()) await writeFile(path.join(folder, key), pattern(i * 5000, i))
    const progress: number[] = []
    const batch = await encryptKeys(new LocalStore(folder), [...keys, 'missing.wav'], sealer, {concurrency: 3, onProgress: (p) => progress.push(p.done)})
    assert.deepEqual(progress, Array.from({length: 41}, (_, i) => i + 1))
    assert.equal(batch.results.length, 40)
    assert.equal(batch.failures.length, 1)
    assert.equal(batch.failures[0].key, 'missing.wav')
    for (const [i, key] of keys.entries()) assert.deepEqual(await decryptFile(path.join(folder, `${key}.age`)), pattern(i * 5000, i))
    const again = await encryptKeys(new LocalStore(folder), keys, sealer, {signal: AbortSignal.abort()})
    assert.deepEqual(again, {results: [], failures: [], skipped: keys})
  })

  test('permission denied (EACCES) on the folder: reported per file, originals intact, nothing left behind', async () => {
    const folder = await tempFolder()
    for (let i = 0; i < 5; i++) await writeFile(path.join(folder, `c${i}.wav`), pattern(10_000, i), {mode: 0o644})
    // Root ignores permission bits: the child then runs as "nobody", for whom the folder is read-only.
    const asRoot = process.getuid?.() === 0
    await chmod(folder, asRoot ? 0o755 : 0o555)
    if (asRoot) await chown(folder, 0, 0)
    const {code, batch} = await runChild(folder, asRoot ? {uid: 65534} : {})
    await chmod(folder, 0o755)
    assert.equal(code, 0)
    assert.equal(batch.results.length, 0)
    assert.deepEqual(batch.failures.map((failure) => failure.key), ['c0.wav', 'c1.wav', 'c2.wav', 'c3.wav', 'c4.wav'])
    for (const failure of batch.failures) assert.match(failure.error, /^EACCES/)
    assert.deepEqual((await readdir(folder)).sort(), ['c0.wav', 'c1.wav', 'c2.wav', 'c3.wav', 'c4.wav'])
    for (let i = 0; i < 5; i++) assert.deepEqual(await readFile(path.join(folder, `c${i}.wav`)), pattern(10_000, i))
  })

  test('a full disk (ENOSPC) midway: the recording that does not fit stays whole, nothing left behind', async () => {
    const template = await tempFolder()
    await writeFile(path.join(template, 'small.wav'), pattern(100_000, 1))
    await writeFile(path.join(template, 'big.wav'), pattern(1_000_000, 2))
    // A tmpfs with room for both plaintexts and the small one's ciphertext, never for the big one's.
    const {code, stdout, files} = await onFullDisk(template, 1_400_000, [process.execPath, '--import', 'tsx', ENCRYPT_CHILD, 'MOUNT', recipient])
    assert.equal(code, 0)
    const batch = JSON.parse(stdout.trim().split('\n').at(-1)!) as EncryptBatch
    // The two are encrypted at once: the small one may find the disk full too, and then it is whole as well.
    const big = batch.failures.find((failure) => failure.key === 'big.wav')
    assert.match(big?.error ?? '', /^ENOSPC/)
    assert.equal(files['big.wav'], sha256(pattern(1_000_000, 2)))
    const small = batch.results.some((result) => result.key === 'small.wav')
    assert.deepEqual(Object.keys(files).sort(), ['big.wav', small ? 'small.wav.age' : 'small.wav'])
    if (!small) assert.equal(files['small.wav'], sha256(pattern(100_000, 1)))
  })
})
