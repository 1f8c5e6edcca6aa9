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
import {collect, ENCRYPT_CHILD, memoryLedger, onFullDisk, pattern, sha256, tempFolder} from './helpers.ts'
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
    const ledger = memoryLedger()
    assert.deepEqual(await encryptKey(store, 'call.wav', sealer, ledger), {key: 'call.wav', action: 'encrypted', size: 200_000})
    assert.deepEqual((await readdir(folder)).sort(), ['call.json', 'call.wav.age'])
    assert.deepEqual(await decryptFile(path.join(folder, 'call.wav.age')), pattern(200_000))
    assert.equal((await stat(path.join(folder, 'call.wav.age'))).mtime.getTime(), recorded.getTime())
    // What the journal gets: the SHA-256 of the plaintext read and of the ciphertext written.
    assert.deepEqual(ledger.facts, [{key: 'call.wav', size: 200_000, sha256: sha256(pattern(200_000)), ageSha256: sha256(await readFile(path.join(folder, 'call.wav.age')))}])
  })

  test('a big file (hashed on the hashing thread): the journal still names the SHA-256 of the plaintext read and of the ciphertext written', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    const size = 9 * 1024 * 1024 + 12_345 // past OFF_THREAD_MIN_BYTES, not a whole number of 64 KiB chunks or 1 MiB blocks
    await writeFile(path.join(folder, 'big.wav'), pattern(size))
    const ledger = memoryLedger()
    assert.deepEqual(await encryptKey(store, 'big.wav', sealer, ledger), {key: 'big.wav', action: 'encrypted', size})
    const written = await readFile(path.join(folder, 'big.wav.age'))
    assert.deepEqual(await decryptFile(path.join(folder, 'big.wav.age')), pattern(size))
    assert.deepEqual(ledger.facts, [{key: 'big.wav', size, sha256: sha256(pattern(size)), ageSha256: sha256(written)}])
  })

  test('finishes a run that stopped after writing the ciphertext, when the journal names that very pair', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    await writeFile(path.join(folder, 'a.wav'), pattern(1000))
    const {ciphertext} = await sealer.encrypt([pattern(1000)])
    await store.writeAtomic('a.wav.age', ciphertext)
    const written = await readFile(path.join(folder, 'a.wav.age'))
    const ledger = memoryLedger()
    await ledger.record({key: 'a.wav', size: 1000, sha256: sha256(pattern(1000)), ageSha256: sha256(written)})
    assert.equal((await encryptKey(store, 'a.wav', sealer, ledger)).action, 'completed')
    assert.deepEqual(await readdir(folder), ['a.wav.age'])
    assert.deepEqual(await readFile(path.join(folder, 'a.wav.age')), written)
  })

  test('a pair the journal does not name: completed only when the .age decrypts to exactly the plaintext', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    await writeFile(path.join(folder, 'a.wav'), pattern(1000))
    await store.writeAtomic('a.wav.age', (await sealer.encrypt([pattern(1000)])).ciphertext)
    // No journal entry, no identity: a conflict, both kept.
    await assert.rejects(encryptKey(store, 'a.wav', sealer, memoryLedger()), /^Error: a\.wav\.age already exists and no journal entry shows it was made from this plaintext, and there is no identity to decrypt it \(--identity\); both left as they are$/)
    assert.deepEqual((await readdir(folder)).sort(), ['a.wav', 'a.wav.age'])
    assert.equal((await encryptKey(store, 'a.wav', sealer, memoryLedger(decrypterFor([identity])))).action, 'completed')
    assert.deepEqual(await readdir(folder), ['a.wav.age'])
  })

  test('a wrong twin (the .age holds another recording, or junk): both kept, with or without an identity', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    const cases = [
      {name: 'other', ciphertext: (await sealer.encrypt([pattern(1000, 2)])).ciphertext, reason: /holds another recording/},
      {name: 'foreign', ciphertext: (await new AgeSealer({recipients: [await identityToRecipient(await generateX25519Identity())]}).encrypt([pattern(1000)])).ciphertext, reason: /cannot be decrypted \(no identity matches/},
      {name: 'junk', ciphertext: pattern(1200), reason: /cannot be decrypted/},
    ]
    for (const {name, ciphertext, reason} of cases) {
      await writeFile(path.join(folder, `${name}.wav`), pattern(1000))
      await store.writeAtomic(`${name}.wav.age`, ciphertext)
      const before = await readFile(path.join(folder, `${name}.wav.age`))
      // Even a journal entry for this key does not help when the hashes are not the pair it names.
      const ledger = memoryLedger(decrypterFor([identity]))
      await ledger.record({key: `${name}.wav`, size: 1000, sha256: sha256(pattern(1000)), ageSha256: sha256(Buffer.from('another ciphertext'))})
      for (const run of [ledger, memoryLedger()]) {
        await assert.rejects(encryptKey(store, `${name}.wav`, sealer, run), (error: Error) => {
          assert.match(error.message, new RegExp(`^${name}\\.wav\\.age already exists and .*; both left as they are$`))
          if (run.decrypter) assert.match(error.message, reason)
          return true
        })
      }
      assert.deepEqual(await readFile(path.join(folder, `${name}.wav`)), pattern(1000))
      assert.deepEqual(await readFile(path.join(folder, `${name}.wav.age`)), before)
    }
  })

  test('verifyCiphertext: the header written, byte for byte, and the size it implies', async () => {
    const folder = await tempFolder()
    const store = new LocalStore(folder)
    const passphrase = new AgeSealer({passphrase: 'p'})
    const {ciphertext, header} = await passphrase.encrypt([pattern(10)])
    await store.writeAtomic('p.age', ciphertext)
    await verifyCiphertext(store, 'p.age', 10, header)
    await assert.rejects(verifyCiphertext(store, 'p.age', 11, header), /p\.age has \d+ bytes where \d+ were expected/)
    const other = (await passphrase.encrypt([pattern(10)])).header
    await assert.rejects(verifyCiphertext(store, 'p.age', 10, other), /p\.age does not start with the header written/)
  })

  test('a recording that grows while it is encrypted is left as it is', async () => {
    const folder = await tempFolder()
    // The PBX appends to the recording right after it was read.
    class GrowingStore extends LocalStore {
      async open(key: string, options?: {pinned?: boolean}) {
        const entry = await super.open(key, options)
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
    await assert.rejects(encryptKey(new GrowingStore(folder), 'live.wav', sealer, memoryLedger()), /changed while being encrypted/)
    assert.deepEqual(await readdir(folder), ['live.wav'])
  })

  test('encryptKeys: bounded concurrency, progress per file, failures collected, the rest done', async () => {
    const folder = await tempFolder()
    const keys = Array.from({length: 40}, (_, i) => `r${String(i).padStart(2, '0')}.wav`)
    for (const [i, key] of keys.entries()) await writeFile(path.join(folder, key), pattern(i * 5000, i))
    const progress: number[] = []
    const batch = await encryptKeys(new LocalStore(folder), [...keys, 'missing.wav'], sealer, memoryLedger(), {concurrency: 3, onProgress: (p) => progress.push(p.done)})
    assert.deepEqual(progress, Array.from({length: 41}, (_, i) => i + 1))
    assert.equal(batch.results.length, 40)
    assert.equal(batch.failures.length, 1)
    assert.equal(batch.failures[0].key, 'missing.wav')
    for (const [i, key] of keys.entries()) assert.deepEqual(await decryptFile(path.join(folder, `${key}.age`)), pattern(i * 5000, i))
    const again = await encryptKeys(new LocalStore(folder), keys, sealer, memoryLedger(), {signal: AbortSignal.abort()})
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
    // The archive's own state (.callrec/: the journal the ledger wrote to) aside, only the recordings, no temp file.
    assert.deepEqual(Object.keys(files).filter((key) => !key.startsWith('.callrec/')).sort(), ['big.wav', small ? 'small.wav.age' : 'small.wav'])
    if (!small) assert.equal(files['small.wav'], sha256(pattern(100_000, 1)))
  })
})
