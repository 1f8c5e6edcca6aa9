import assert from 'node:assert/strict'
import {chmod, readFile, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {describe, test} from 'node:test'
import {checkPrivate, newIdentity, parseIdentities, protectIdentity, readIdentities, readPassphrase, writePrivateFile} from '../../src/crypto/identity.js'
import {execFileAsync, tempFolder} from './helpers.ts'

const X25519 = 'AGE-SECRET-KEY-1EGTZVFFV20835NWYV6270LXYVK2VKNX2MMDKWYKLMGR48UAWX40Q2P2LM0'

describe('identity files', () => {
  test('newIdentity writes age-keygen\'s format, and age-keygen derives the same recipient', async () => {
    const folder = await tempFolder()
    const {recipient, text} = await newIdentity(new Date('2026-01-02T03:04:05.678Z'))
    assert.match(text, /^# created: 2026-01-02T03:04:05Z\n# public key: age1[0-9a-z]{58}\nAGE-SECRET-KEY-1[0-9A-Z]{58}\n$/)
    assert.ok(text.includes(`# public key: ${recipient}\n`))
    const file = path.join(folder, 'key.txt')
    await writePrivateFile(file, text)
    assert.equal((await stat(file)).mode & 0o777, 0o600)
    assert.equal((await execFileAsync('age-keygen', ['-y', file])).stdout.trim(), recipient)
  })

  test('writePrivateFile refuses to overwrite', async () => {
    const file = path.join(await tempFolder(), 'key.txt')
    await writeFile(file, 'precious')
    await assert.rejects(writePrivateFile(file, 'new'), {message: `${file}: already exists; not overwritten`})
    assert.equal(await readFile(file, 'utf8'), 'precious')
  })

  test('age-keygen files parse: comments and blank lines skipped, several keys, CRLF', async () => {
    const folder = await tempFolder()
    const file = path.join(folder, 'keys.txt')
    await execFileAsync('age-keygen', ['-o', file])
    const [ours] = await readIdentities(file)
    assert.match(ours, /^AGE-SECRET-KEY-1/)
    const text = `# created: x\r\n# public key: y\r\n${ours}\r\n\r\n   \n# another\n${X25519}\n`
    assert.deepEqual(parseIdentities(text, 'keys.txt'), [ours, X25519])
  })

  test('a line that is not an identity is named with its line number', () => {
    assert.throws(() => parseIdentities(`# ok\n${X25519}\nssh-ed25519 AAAA…\n`, 'keys.txt'), {message: /^keys\.txt:3: not an age identity/})
    assert.throws(() => parseIdentities('# only comments\n', 'keys.txt'), {message: 'keys.txt: no identity in the file'})
  })

  test('identity and passphrase files readable by group or others are refused, like ssh keys', async () => {
    const folder = await tempFolder()
    const file = path.join(folder, 'key.txt')
    await writeFile(file, X25519 + '\n')
    for (const mode of [0o644, 0o640, 0o604, 0o620]) {
      await chmod(file, mode)
      const octal = mode.toString(8).padStart(4, '0')
      await assert.rejects(readIdentities(file), {message: `${file}: permissions ${octal} are too open; a secret must be accessible by its owner only (chmod 600 ${file})`})
      await assert.rejects(readPassphrase(file), /too open/)
    }
    await chmod(file, 0o400)
    assert.deepEqual(await readIdentities(file), [X25519])
    await assert.rejects(checkPrivate(folder), /not a regular file/)
    await assert.rejects(checkPrivate(path.join(folder, 'missing')), /cannot read \(ENOENT/)
  })

  test('a passphrase-protected identity file unlocks with its passphrase only', async () => {
    const folder = await tempFolder()
    const {text} = await newIdentity()
    const file = path.join(folder, 'key.age')
    await writePrivateFile(file, await protectIdentity(text, 'hunter2 hunter2'))
    assert.match(await readFile(file, 'utf8'), /^-----BEGIN AGE ENCRYPTED FILE-----\n/)
    assert.deepEqual(await readIdentities(file, 'hunter2 hunter2'), parseIdentities(text, file))
    await assert.rejects(readIdentities(file, 'wrong'), {message: `${file}: wrong passphrase`})
    await assert.rejects(readIdentities(file), /passphrase-protected; give --passphrase-file/)
  })

  test('a passphrase file gives its first line, without the line ending', async () => {
    const file = path.join(await tempFolder(), 'pass')
    await writeFile(file, 'two words\r\nignored\n', {mode: 0o600})
    assert.equal(await readPassphrase(file), 'two words')
    await writeFile(file, '\n')
    await assert.rejects(readPassphrase(file), /the passphrase is empty/)
  })
})
