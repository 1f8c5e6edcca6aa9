// Interoperability with the real age CLI (Debian's age 1.1.1, /usr/bin/age), both ways.
import assert from 'node:assert/strict'
import {chmod, readFile, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'
import {AgeSealer, decrypterFor} from '../../src/crypto/age.js'
import {decryptKey} from '../../src/crypto/decrypt-file.js'
import {encryptKey} from '../../src/crypto/encrypt-file.js'
import {newIdentity, protectIdentity, readIdentities, writePrivateFile} from '../../src/crypto/identity.js'
import {LocalStore} from '../../src/store/local.js'
import {CHUNK_SIZE} from '../../src/crypto/stream.js'
import {MemoryJournal, execFileAsync, pattern, tempFolder, memoryLedger} from './helpers.ts'

const SIZES = {empty: 0, 'one byte': 1, 'exactly 64 KiB': CHUNK_SIZE, 'multi-chunk': 3 * CHUNK_SIZE + 777}

/** Runs age on a pseudo-terminal: age reads passphrases from /dev/tty only. */
function ageWithTty(args: string[], typed: string) {
  const command = ['age', ...args].map((arg) => `'${arg}'`).join(' ')
  return execFileAsync('sh', ['-c', `printf '%s\\n' "$TYPED" | script -qec "${command}" /dev/null`], {env: {...process.env, TYPED: typed}})
}

describe('interoperability with the age CLI', async () => {
  const folder = await tempFolder()
  const ourKey = path.join(folder, 'callrec-key.txt')
  const {recipient: ourRecipient, text} = await newIdentity()
  await writePrivateFile(ourKey, text)
  const ageKey = path.join(folder, 'age-key.txt')
  await execFileAsync('age-keygen', ['-o', ageKey])
  const ageRecipient = (await execFileAsync('age-keygen', ['-y', ageKey])).stdout.trim()
  const store = new LocalStore(folder)

  for (const [name, size] of Object.entries(SIZES)) {
    test(`callrec encrypt → age -d: ${name}`, async () => {
      const key = `ours-${size}.wav`
      await writeFile(path.join(folder, key), pattern(size, 7))
      await encryptKey(store, key, new AgeSealer({recipients: [ageRecipient, ourRecipient]}), memoryLedger())
      for (const identity of [ageKey, ourKey]) {
        // To stdout: age -o creates its output only on the first write, so not at all for an empty plaintext.
        const {stdout} = await execFileAsync('age', ['-d', '-i', identity, path.join(folder, `${key}.age`)], {encoding: 'buffer', maxBuffer: 1 << 24})
        assert.deepEqual(stdout, pattern(size, 7))
      }
    })

    test(`age -e → callrec decrypt: ${name}, binary and armored`, async () => {
      for (const armor of [[], ['-a']]) {
        const key = `theirs-${size}${armor.join('')}.wav`
        await writeFile(path.join(folder, key), pattern(size, 9))
        await execFileAsync('age', ['-e', ...armor, '-r', ourRecipient, '-o', path.join(folder, `${key}.age`), path.join(folder, key)])
        const journal = new MemoryJournal()
        const out = path.join(folder, `out-${key}`)
        await execFileAsync('mkdir', [out])
        await decryptKey(store, `${key}.age`, {folder: out}, {decrypter: decrypterFor(await readIdentities(ourKey)), journal, reason: 'interop test'})
        assert.deepEqual(await readFile(path.join(out, key)), pattern(size, 9))
        assert.equal(journal.events.length, 1)
      }
    })
  }

  test('a passphrase-encrypted recording from callrec decrypts with age -d and the passphrase', async () => {
    const key = 'scrypt.wav'
    await writeFile(path.join(folder, key), pattern(100_000, 3))
    await encryptKey(store, key, new AgeSealer({passphrase: 'interop passphrase'}), memoryLedger())
    const out = path.join(folder, 'scrypt.out')
    await ageWithTty(['-d', '-o', out, path.join(folder, `${key}.age`)], 'interop passphrase')
    assert.deepEqual(await readFile(out), pattern(100_000, 3))
  })

  test('a passphrase-protected identity from callrec keygen works as age -d -i', async () => {
    const protectedKey = path.join(folder, 'protected.age')
    await writePrivateFile(protectedKey, await protectIdentity(text, 'key passphrase'))
    await chmod(protectedKey, 0o600)
    const key = 'for-protected.wav'
    await writeFile(path.join(folder, key), pattern(5000, 4))
    await encryptKey(store, key, new AgeSealer({recipients: [ourRecipient]}), memoryLedger())
    const out = path.join(folder, 'protected.out')
    await ageWithTty(['-d', '-i', protectedKey, '-o', out, path.join(folder, `${key}.age`)], 'key passphrase')
    assert.deepEqual(await readFile(out), pattern(5000, 4))
  })
})
