// Signed checkpoints: keys made by the real ssh-keygen and openssl, signatures checked by `ssh-keygen -Y verify`
// (and ssh-keygen's own signatures by callrec), then a journal rewritten before the checkpoint.
import assert from 'node:assert/strict'
import {execFile} from 'node:child_process'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'
import {promisify} from 'node:util'
import {NAMESPACE, readPublicKey, verifySshSignature} from '../../src/journal/sshsig.ts'
import {callrec, callrecJson, tempArchive} from '../helpers.ts'
import {tempFolder} from '../crypto/helpers.ts'
import {NOW, recordings} from '../purge/fixtures.ts'
import {entries, rechain, writeJournal} from './helpers.ts'

const run = promisify(execFile)

/** `ssh-keygen -Y verify` of `message` against `signature`, with `publicKey` as the one allowed signer. */
async function sshVerify(folder: string, publicKey: string, message: string, signature: string): Promise<number> {
  const allowed = path.join(folder, 'allowed_signers')
  writeFileSync(allowed, `callrec ${publicKey.trim().split(/\s+/).slice(0, 2).join(' ')}\n`)
  writeFileSync(path.join(folder, 'message'), message)
  writeFileSync(path.join(folder, 'message.sig'), signature)
  const child = execFile('ssh-keygen', ['-Y', 'verify', '-f', allowed, '-I', 'callrec', '-n', NAMESPACE, '-s', path.join(folder, 'message.sig')])
  child.stdin!.end(message)
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)))
}

describe('signed checkpoints', () => {
  test('an OpenSSH Ed25519 key: ssh-keygen verifies the checkpoint, verify --pubkey too, a rewrite fails', async () => {
    const keys = await tempFolder()
    const key = path.join(keys, 'checkpoint')
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dpo', '-f', key])
    const dir = tempArchive(recordings(3, () => true))
    assert.equal((await callrec(['purge', dir, '--now', NOW, '--yes'])).code, 0)
    const output = path.join(keys, 'statement.txt')
    const signed = await callrecJson(['access-log', 'checkpoint', dir, '--sign', key, '-o', output])
    assert.equal(signed.code, 0, JSON.stringify(signed.json))
    assert.equal(signed.json.head, `3:${entries(dir)[2].hash}`)
    assert.equal(signed.json.seq, 4)
    assert.match(readFileSync(output, 'utf8'), new RegExp(`^callrec journal checkpoint\nseq 3\nhash ${entries(dir)[2].hash}\n`))
    // The standard tool agrees, on the files written and on the entry's own copy.
    const pub = readFileSync(`${key}.pub`, 'utf8')
    assert.equal(await sshVerify(keys, pub, readFileSync(output, 'utf8'), readFileSync(`${output}.sig`, 'utf8')), 0)
    const entry = entries(dir)[3]
    assert.equal(await sshVerify(keys, pub, entry.details.statement, entry.details.signature), 0)
    assert.notEqual(await sshVerify(keys, pub, entry.details.statement.replace('seq 3', 'seq 2'), entry.details.signature), 0)

    assert.equal((await callrec(['hold', 'add', '--glob', '**', '--even-if-none', '--archive', dir, '--reason', 'after'])).code, 0)
    const ok = await callrec(['access-log', 'verify', dir, '--pubkey', `${key}.pub`])
    assert.equal(ok.code, 0, ok.stdout)
    assert.match(ok.stdout, /1 signed checkpoint verified, the last covering #3:/)

    // Another key did not sign it.
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'other')])
    assert.equal((await callrec(['access-log', 'verify', dir, '--pubkey', path.join(keys, 'other.pub')])).code, 1)

    // The entries before the checkpoint rewritten (a purge entry removed), the rest re-chained, the head file too.
    const all = entries(dir)
    writeJournal(dir, rechain([all[0], all[2], all[3], all[4]]))
    const plain = await callrec(['access-log', 'verify', dir])
    assert.equal(plain.code, 1, 'the checkpoint no longer names the entry before it')
    // And a forger who also rewrites the checkpoint's statement cannot sign it.
    const forged = entries(dir)
    const statement = `callrec journal checkpoint\nseq 2\nhash ${forged[1].hash}\nsigned-at ${forged[2].details.signedAt}\n`
    writeJournal(dir, rechain([forged[0], forged[1], {...forged[2], details: {...forged[2].details, statement}}, forged[3]]))
    assert.equal((await callrec(['access-log', 'verify', dir])).code, 0, 'without the key, the chain alone cannot tell')
    const withKey = await callrec(['access-log', 'verify', dir, '--pubkey', `${key}.pub`])
    assert.equal(withKey.code, 1)
    assert.match(withKey.stdout, /its signature does not verify with the key given with --pubkey/)
  })

  test('a PEM key from openssl signs; ssh-keygen\'s own signatures verify with callrec', async () => {
    const keys = await tempFolder()
    const pem = path.join(keys, 'key.pem')
    await run('openssl', ['genpkey', '-algorithm', 'ed25519', '-out', pem])
    await run('openssl', ['pkey', '-in', pem, '-pubout', '-out', path.join(keys, 'key.pub.pem')])
    const dir = tempArchive(recordings(1, () => true))
    assert.equal((await callrec(['purge', dir, '--now', NOW, '--yes'])).code, 0)
    assert.equal((await callrec(['access-log', 'checkpoint', dir, '--sign', pem])).code, 0)
    assert.equal((await callrec(['access-log', 'verify', dir, '--pubkey', path.join(keys, 'key.pub.pem')])).code, 0)

    const key = path.join(keys, 'ssh')
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', key])
    const message = path.join(keys, 'statement')
    writeFileSync(message, 'callrec journal checkpoint\nseq 1\nhash 00\nsigned-at x\n')
    await run('ssh-keygen', ['-Y', 'sign', '-q', '-f', key, '-n', NAMESPACE, message])
    const publicKey = await readPublicKey(`${key}.pub`)
    assert.ok(verifySshSignature(readFileSync(message), readFileSync(`${message}.sig`, 'utf8'), publicKey))
    assert.ok(!verifySshSignature(Buffer.from('other'), readFileSync(`${message}.sig`, 'utf8'), publicKey))
  })

  test('refuses a passphrase-protected key, a non-Ed25519 key, and a journal that does not verify', async () => {
    const keys = await tempFolder()
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', 'secret', '-f', path.join(keys, 'locked')])
    await run('ssh-keygen', ['-q', '-t', 'ecdsa', '-N', '', '-f', path.join(keys, 'ecdsa')])
    const dir = tempArchive(recordings(1, () => true))
    assert.equal((await callrec(['purge', dir, '--now', NOW, '--yes'])).code, 0)
    const locked = await callrec(['access-log', 'checkpoint', dir, '--sign', path.join(keys, 'locked')])
    assert.equal(locked.code, 2)
    assert.match(locked.stderr, /protected by a passphrase/)
    assert.match((await callrec(['access-log', 'checkpoint', dir, '--sign', path.join(keys, 'ecdsa')])).stderr, /a ecdsa-sha2-nistp256 key/)
    writeFileSync(path.join(dir, '.callrec/journal.jsonl'), '')
    await run('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path.join(keys, 'good')])
    assert.equal((await callrec(['access-log', 'checkpoint', dir, '--sign', path.join(keys, 'good')])).code, 1)
  })
})
