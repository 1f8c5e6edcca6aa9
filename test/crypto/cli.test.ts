// keygen, encrypt and decrypt as a sysadmin's cron job or a DPO sees them: the real CLI, exit codes, files, journal.
import assert from 'node:assert/strict'
import {createHash} from 'node:crypto'
import {execFile} from 'node:child_process'
import {chmod, chown, mkdir, readFile, readdir, stat, writeFile} from 'node:fs/promises'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {promisify} from 'node:util'
import {tryLock} from '../../src/journal/lock.js'
import {BIN, callrec, callrecJson, makeArchive, wav} from '../helpers.ts'
import {execFileAsync, onFullDisk, sha256, tempFolder} from './helpers.ts'

const sidecar = {recordedAt: '2026-10-01T10:00:00+02:00', purpose: 'quality', noticePlayed: true}
const archives: {cleanup(): void}[] = []
after(() => archives.forEach((archive) => archive.cleanup()))

async function keyPair(folder: string, name = 'dpo.key'): Promise<{key: string; recipient: string}> {
  const key = path.join(folder, name)
  const {code, stdout} = await callrec(['keygen', '-o', key])
  assert.equal(code, 0)
  return {key, recipient: stdout.trim()}
}

function archiveFor(recipients: string[], extra: Record<string, string | Buffer | object> = {}, policy = '') {
  const list = recipients.map((recipient) => `    - ${recipient}\n`).join('')
  const archive = makeArchive({
    'callrec.yml': `encryption:\n  required: true\n${recipients.length > 0 ? `  recipients:\n${list}` : ''}${policy}`,
    'q1/a.wav': wav(1),
    'q1/a.json': sidecar,
    'q1/b.wav': wav(2),
    'q2/c.wav': wav(0.1, 'mulaw'),
    ...extra,
  })
  archives.push(archive)
  return archive.dir
}

async function journal(dir: string): Promise<any[]> {
  const text = await readFile(path.join(dir, '.callrec/journal.jsonl'), 'utf8')
  return text.trim().split('\n').map((line) => JSON.parse(line))
}

describe('callrec keygen', () => {
  test('-o: mode 0600, age-keygen format, the recipient printed; never overwrites', async () => {
    const folder = await tempFolder()
    const {key, recipient} = await keyPair(folder)
    assert.equal((await stat(key)).mode & 0o777, 0o600)
    assert.equal((await execFileAsync('age-keygen', ['-y', key])).stdout.trim(), recipient)
    const again = await callrec(['keygen', '-o', key])
    assert.equal(again.code, 2)
    assert.equal(again.stderr, `callrec: ${key}: already exists; not overwritten\n`)
  })

  test('without -o: the identity on stdout, the recipient on stderr, as age-keygen; --json', async () => {
    const {stdout, stderr} = await callrec(['keygen'])
    const recipient = stdout.match(/^# public key: (age1\S+)$/m)![1]
    assert.match(stdout, /^AGE-SECRET-KEY-1[0-9A-Z]+$/m)
    assert.equal(stderr, `Public key: ${recipient}\n`)
    const {json} = await callrecJson(['keygen', '-o', path.join(await tempFolder(), 'k')])
    assert.match(json.recipient, /^age1/)
  })
})

describe('callrec encrypt', () => {
  test('plan, refusal without --yes off a terminal, then encryption that age decrypts; a second run does nothing', async () => {
    const folder = await tempFolder()
    const {key, recipient} = await keyPair(folder)
    const dir = archiveFor([recipient])
    const before = await readFile(path.join(dir, 'q1/b.wav'))

    const dry = await callrecJson(['encrypt', dir, '--dry-run'])
    assert.equal(dry.code, 0)
    assert.deepEqual(dry.json.plan.keys, ['q1/a.wav', 'q1/b.wav', 'q2/c.wav'])
    const refused = await callrec(['encrypt', dir])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /refusing to encrypt 3 recordings in place without confirmation: no terminal to ask on; add --yes/)
    assert.deepEqual((await readdir(path.join(dir, 'q1'))).sort(), ['a.json', 'a.wav', 'b.wav'])

    const run = await callrec(['encrypt', dir, '--yes'])
    assert.equal(run.code, 0, run.stderr)
    assert.match(run.stdout, /3 recordings in clear .* to encrypt to 1 recipient\(s\); 0 already encrypted\nencrypted 3 recordings\n/)
    assert.deepEqual((await readdir(path.join(dir, 'q1'))).sort(), ['a.json', 'a.wav.age', 'b.wav.age'])
    const {stdout} = await execFileAsync('age', ['-d', '-i', key, path.join(dir, 'q1/b.wav.age')], {encoding: 'buffer'})
    assert.deepEqual(stdout, before)

    const audit = await callrecJson(['audit', dir])
    assert.equal(audit.json.summary.encrypted, 3)
    assert.equal(audit.json.summary.byRule['not-encrypted'], 0)

    const second = await callrecJson(['encrypt', dir, '--yes'])
    assert.equal(second.code, 0)
    assert.deepEqual(second.json, {plan: {keys: [], bytes: 0, held: [], encrypted: 3, failed: [], unnamed: []}, swept: []})
    // One entry per recording, with the SHA-256 of its plaintext and of the .age that replaced it.
    const entries = (await journal(dir)).filter((entry) => entry.action === 'encrypt')
    assert.deepEqual(entries.map((entry) => [entry.outcome, entry.keys]).sort(), [['ok', ['q1/a.wav']], ['ok', ['q1/b.wav']], ['ok', ['q2/c.wav']]])
    const b = entries.find((entry) => entry.keys[0] === 'q1/b.wav')
    assert.equal(b.details.sha256, createHash('sha256').update(before).digest('hex'))
    assert.equal(b.details.ageSha256, createHash('sha256').update(await readFile(path.join(dir, 'q1/b.wav.age'))).digest('hex'))
  })

  test('one run at a time: exit 4 while another holds the archive', async () => {
    const folder = await tempFolder()
    const {recipient} = await keyPair(folder)
    const dir = archiveFor([recipient])
    const lock = await tryLock(path.join(dir, '.callrec', 'archive'), dir)
    const second = await callrec(['encrypt', dir, '--yes'])
    await lock.release()
    assert.equal(second.code, 4)
    assert.match(second.stderr, /is locked by another callrec run/)
    assert.deepEqual((await readdir(path.join(dir, 'q1'))).sort(), ['a.json', 'a.wav', 'b.wav'])
  })

  test('--key globs, a passphrase when the policy has no recipients, and the usage errors', async () => {
    const folder = await tempFolder()
    const dir = archiveFor([])
    const passphrase = path.join(folder, 'pass')
    await writeFile(passphrase, 'long enough passphrase\n', {mode: 0o600})
    const none = await callrec(['encrypt', dir, '--yes'])
    assert.equal(none.code, 2)
    assert.match(none.stderr, /no recipients in .*callrec\.yml \(encryption\.recipients\) and no --passphrase-file/)
    const run = await callrecJson(['encrypt', dir, '--yes', '--key', 'q1/**', '--passphrase-file', passphrase])
    assert.equal(run.code, 0)
    assert.deepEqual(run.json.result.results.map((result: {key: string}) => result.key), ['q1/a.wav', 'q1/b.wav'])
    assert.deepEqual(await readdir(path.join(dir, 'q2')), ['c.wav'])
    const out = path.join(folder, 'out')
    await mkdir(out)
    const decrypted = await callrec(['decrypt', 'q1/a.wav', '--archive', dir, '--passphrase-file', passphrase, '--reason', 'check', '-o', out])
    assert.equal(decrypted.code, 0, decrypted.stderr)
    assert.deepEqual(await readFile(path.join(out, 'a.wav')), wav(1))
  })

  test('recordings under legal hold stay in clear only when the policy says skipHeld', async () => {
    const folder = await tempFolder()
    const {recipient} = await keyPair(folder)
    const held = {'q1/b.json': {...sidecar, legalHold: {reason: 'litigation 2026-77'}}}
    const skip = archiveFor([recipient], held, '  skipHeld: true\n')
    const run = await callrecJson(['encrypt', skip, '--yes'])
    assert.deepEqual(run.json.plan.held, ['q1/b.wav'])
    assert.deepEqual((await readdir(path.join(skip, 'q1'))).sort(), ['a.json', 'a.wav.age', 'b.json', 'b.wav'])
    const encryptHeld = archiveFor([recipient], held)
    await callrec(['encrypt', encryptHeld, '--yes'])
    assert.deepEqual((await readdir(path.join(encryptHeld, 'q1'))).sort(), ['a.json', 'a.wav.age', 'b.json', 'b.wav.age'])
  })

  test('Ctrl-C: the files in flight finish, exit 130, every recording whole; the next run finishes', async () => {
    const folder = await tempFolder()
    const {key, recipient} = await keyPair(folder)
    const many = Object.fromEntries(Array.from({length: 1500}, (_, i) => [`many/r${i}.wav`, wav(0.2)]))
    const dir = archiveFor([recipient], many)
    const child = execFile(process.execPath, [BIN, 'encrypt', dir, '--yes'])
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
    // Interrupt once encryption has started: as soon as a first .age appears.
    while (!(await readdir(path.join(dir, 'many'))).some((name) => name.endsWith('.age'))) await new Promise((resolve) => setTimeout(resolve, 10))
    child.kill('SIGINT')
    assert.equal(await exited, 130)
    const names = await readdir(path.join(dir, 'many'))
    const encrypted = names.filter((name) => name.endsWith('.age'))
    assert.ok(encrypted.length > 0 && encrypted.length < 1500, `${encrypted.length} encrypted`)
    assert.equal(names.filter((name) => !name.startsWith('.')).length, 1500)
    const sample = encrypted[0]
    const {stdout} = await execFileAsync('age', ['-d', '-i', key, path.join(dir, 'many', sample)], {encoding: 'buffer'})
    assert.deepEqual(stdout, wav(0.2))
    assert.equal((await callrec(['encrypt', dir, '--yes'])).code, 0)
    assert.equal((await readdir(path.join(dir, 'many'))).filter((name) => name.endsWith('.age')).length, 1500)
  })

  test('a folder it may not write: exit 3, the failures named, the rest encrypted, the originals intact', async () => {
    const folder = await tempFolder()
    const {recipient} = await keyPair(folder)
    const dir = archiveFor([recipient])
    // Root ignores permission bits: the CLI then runs as "nobody", owner of the archive but not of q2/.
    const asRoot = process.getuid?.() === 0
    if (asRoot) {
      await execFileAsync('chown', ['-R', '65534:65534', dir])
      await chown(path.join(dir, 'q2'), 0, 0)
      await chmod(path.join(dir, 'q2'), 0o755)
    } else await chmod(path.join(dir, 'q2'), 0o555)
    const {error, stdout, stderr} = await promisify(execFile)(process.execPath, [BIN, 'encrypt', dir, '--yes'], {uid: asRoot ? 65534 : undefined, gid: asRoot ? 65534 : undefined, env: {...process.env, HOME: '/tmp'}}).then(
      (result) => ({...result, error: undefined}),
      (failure) => ({error: failure as {code: number}, stdout: failure.stdout as string, stderr: failure.stderr as string}),
    )
    await chmod(path.join(dir, 'q2'), 0o755)
    assert.equal(error?.code, 3)
    assert.match(stdout, /encrypted 2 recordings/)
    assert.match(stderr, /^FAILED q2\/c\.wav: EACCES/m)
    assert.deepEqual(await readdir(path.join(dir, 'q2')), ['c.wav'])
    assert.deepEqual(await readFile(path.join(dir, 'q2/c.wav')), wav(0.1, 'mulaw'))
  })

  test('a full disk (ENOSPC): exit 3, the failure named, the recording that does not fit whole, nothing left behind', async () => {
    const folder = await tempFolder()
    const {recipient} = await keyPair(folder)
    const dir = archiveFor([recipient], {'q3/long.wav': wav(60)})
    // A tmpfs with room for the archive and the small recordings' ciphertexts, never for the long one's.
    const {code, stderr, files} = await onFullDisk(dir, 1_600_000, [process.execPath, BIN, 'encrypt', 'MOUNT', '--yes'])
    assert.equal(code, 3)
    assert.match(stderr, /^FAILED q3\/long\.wav: ENOSPC/m)
    assert.equal(files['q3/long.wav'], sha256(wav(60)))
    // Encrypted at the same time as the long one, the others may have found the disk full too: then whole in clear.
    for (const [key, audio] of [['q1/a.wav', wav(1)], ['q1/b.wav', wav(2)], ['q2/c.wav', wav(0.1, 'mulaw')]] as const) {
      assert.ok(files[`${key}.age`] ? !files[key] : files[key] === sha256(audio), key)
    }
    assert.deepEqual(Object.keys(files).filter((name) => name.includes('callrec-tmp')), [])
  })
})

describe('callrec decrypt', async () => {
  const folder = await tempFolder()
  const {key, recipient} = await keyPair(folder)
  const dir = archiveFor([recipient])
  assert.equal((await callrec(['encrypt', dir, '--yes'])).code, 0)

  test('to a folder, to stdout, in place: each journaled with its reason', async () => {
    const out = path.join(folder, 'dsar')
    await mkdir(out)
    const copies = await callrecJson(['decrypt', 'q1/a.wav.age', 'q1/b.wav', '--archive', dir, '-i', key, '--reason', 'DSAR 14', '-o', out])
    assert.equal(copies.code, 0)
    assert.deepEqual(copies.json, {decrypted: [{key: 'q1/a.wav.age', output: `${out}/a.wav`}, {key: 'q1/b.wav.age', output: `${out}/b.wav`}], failed: []})
    assert.deepEqual(await readFile(path.join(out, 'b.wav')), wav(2))
    assert.equal((await stat(path.join(out, 'b.wav'))).mode & 0o777, 0o600)

    const played = await new Promise<Buffer>((resolve) =>
      execFile(process.execPath, [BIN, 'decrypt', path.join(dir, 'q2/c.wav.age'), '-i', key, '--reason', 'complaint 7', '-o', '-'], {encoding: 'buffer', cwd: dir}, (_, stdout) => resolve(stdout)),
    )
    assert.deepEqual(played, wav(0.1, 'mulaw'))

    assert.equal((await callrec(['decrypt', 'q1/b.wav.age', '-i', key, '--reason', 'court order', '--in-place'], {cwd: dir})).code, 0)
    assert.deepEqual((await readdir(path.join(dir, 'q1'))).sort(), ['a.json', 'a.wav.age', 'b.wav'])

    const entries = (await journal(dir)).filter((entry) => entry.action === 'decrypt')
    assert.deepEqual(
      entries.map((entry) => [entry.keys[0], entry.reason, entry.outcome, entry.details.output]),
      [
        ['q1/a.wav.age', 'DSAR 14', 'ok', `${out}/a.wav`],
        ['q1/b.wav.age', 'DSAR 14', 'ok', `${out}/b.wav`],
        ['q2/c.wav.age', 'complaint 7', 'ok', 'stdout'],
        ['q1/b.wav.age', 'court order', 'ok', 'q1/b.wav'],
      ],
    )
    for (const entry of entries) assert.ok(entry.time && entry.actor.user)
    const verified = await callrec(['access-log', 'verify', dir])
    assert.equal(verified.code, 0, verified.stdout + verified.stderr)
  })

  test('a file from age -e outside the archive decrypts; the journal names its path', async () => {
    const plain = path.join(folder, 'from-age.wav')
    await writeFile(plain, wav(0.3))
    await execFileAsync('age', ['-e', '-a', '-r', recipient, '-o', `${plain}.age`, plain])
    const out = path.join(folder, 'from-age-out')
    await mkdir(out)
    const result = await callrec(['decrypt', `${plain}.age`, '--archive', dir, '-i', key, '--reason', 'interop', '-o', out])
    assert.equal(result.code, 0, result.stderr)
    assert.deepEqual(await readFile(path.join(out, 'from-age.wav')), wav(0.3))
    assert.equal((await journal(dir)).at(-1).keys[0], `${plain}.age`)
  })

  test('usage errors: no reason, an identity others can read, nowhere to write, a wrong key', async () => {
    const noReason = await callrec(['decrypt', 'q1/a.wav.age', '--archive', dir, '-i', key, '-o', folder])
    assert.equal(noReason.code, 2)
    assert.match(noReason.stderr, /Missing required flag reason/)
    await chmod(key, 0o644)
    const open = await callrec(['decrypt', 'q1/a.wav.age', '--archive', dir, '-i', key, '--reason', 'x', '-o', folder])
    await chmod(key, 0o600)
    assert.equal(open.code, 2)
    assert.equal(open.stderr, `callrec: ${key}: permissions 0644 are too open; a secret must be accessible by its owner only (chmod 600 ${key})\n`)
    const nowhere = await callrec(['decrypt', 'q1/a.wav.age', '--archive', dir, '-i', key, '--reason', 'x'])
    assert.equal(nowhere.code, 2)
    assert.match(nowhere.stderr, /say where the plaintext goes/)
    const other = await keyPair(folder, 'other.key')
    const wrong = await callrec(['decrypt', 'q1/a.wav.age', '--archive', dir, '-i', other.key, '--reason', 'x', '-o', folder])
    assert.equal(wrong.code, 3)
    assert.equal(wrong.stderr, 'FAILED q1/a.wav.age: no identity matches any of the recipients of this file\n')
    assert.deepEqual((await journal(dir)).at(-1).outcome, 'failed')
  })
})
