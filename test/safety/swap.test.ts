// Issue 8, item 1: a folder swapped for a symlink to an outside folder while a run works in it. Whoever can
// write the archive must not make the cron user delete or rewrite anything outside it.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, symlinkSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {makeArchive, wav} from '../helpers.ts'
import {NOW, OLD} from '../purge/fixtures.ts'
import {hasOpen, purgedKeys, sparseWav, start, waitFor} from './helpers.ts'

const cleanups: (() => void)[] = []
after(() => cleanups.forEach((cleanup) => cleanup()))
const sidecar = {recordedAt: OLD, purpose: 'quality', noticePlayed: true}

/** An outside folder holding files of the same names as the archive's, each with its own content. */
function outside(names: string[]): {dir: string; snapshot(): Record<string, string>} {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-outside-'))
  cleanups.push(() => rmSync(dir, {recursive: true, force: true}))
  for (const name of names) writeFileSync(path.join(dir, name), `outside ${name}: must survive\n`)
  const snapshot = () => Object.fromEntries(readdirSync(dir).sort().map((name) => [name, readFileSync(path.join(dir, name), 'utf8')]))
  return {dir, snapshot}
}

describe('a folder swapped for a symlink mid-run', () => {
  test('purge: X swapped while X/zbig.wav is hashed: nothing outside deleted, nothing inside either, journal undone, exit 3', {timeout: 180_000}, async () => {
    const archive = makeArchive({'X/a.wav': wav(0.1), 'X/a.json': sidecar, 'X/zbig.json': sidecar, 'keep/b.wav': wav(0.1), 'keep/b.json': sidecar})
    cleanups.push(archive.cleanup)
    const {dir} = archive
    sparseWav(path.join(dir, 'X/zbig.wav'), 3e9)
    const victim = outside(['a.wav', 'a.json', 'zbig.wav', 'zbig.json'])
    const before = victim.snapshot()

    const run = start(['purge', dir, '--now', NOW, '--yes', '--json'])
    // The hash phase: the holds lock is held and the big file is open.
    const hashing = await waitFor(() => existsSync(path.join(dir, '.callrec/holds.json.lock')) && hasOpen(run.child.pid!, '/X/zbig.wav'), 120_000)
    assert.ok(hashing, 'the purge never hashed X/zbig.wav')
    renameSync(path.join(dir, 'X'), path.join(dir, 'X.moved'))
    symlinkSync(victim.dir, path.join(dir, 'X'))
    assert.ok(hasOpen(run.child.pid!, '/X.moved/zbig.wav'), 'the swap happened after the hash ended: the test proves nothing')
    const {code, stdout} = await run.done

    assert.deepEqual(victim.snapshot(), before, 'a file outside the archive was changed or deleted')
    assert.deepEqual(readdirSync(path.join(dir, 'X.moved')).sort(), ['a.json', 'a.wav', 'zbig.json', 'zbig.wav'])
    assert.deepEqual(readFileSync(path.join(dir, 'X.moved/a.wav')), wav(0.1))
    assert.equal(code, 3, stdout)
    const result = JSON.parse(stdout).result
    assert.deepEqual(result.failed.map((failed: {key: string}) => failed.key).sort(), ['X/a.wav', 'X/zbig.wav'])
    for (const {error} of result.failed) assert.match(error, /symlink or not a folder: not followed/)
    // What was deleted is journaled; what was journaled and then refused is undone.
    assert.deepEqual(result.deleted.map((deleted: {key: string}) => deleted.key), ['keep/b.wav'])
    assert.deepEqual(purgedKeys(dir), ['keep/b.wav'])
    assert.ok(!existsSync(path.join(dir, 'keep')), 'the emptied folder keep/ was not removed')
  })

  test('encrypt: X swapped while X/big.wav is encrypted: X/secret.wav is refused, /victim/secret.wav neither encrypted nor deleted', {timeout: 180_000}, async () => {
    const identity = mkdtempSync(path.join(tmpdir(), 'callrec-key-'))
    cleanups.push(() => rmSync(identity, {recursive: true, force: true}))
    execFileSync('age-keygen', ['-o', path.join(identity, 'key')], {stdio: 'ignore'})
    const recipient = execFileSync('age-keygen', ['-y', path.join(identity, 'key')], {encoding: 'utf8'}).trim()
    const archive = makeArchive({'callrec.yml': `encryption:\n  recipients:\n    - ${recipient}\n`, 'X/secret.wav': wav(0.2)})
    cleanups.push(archive.cleanup)
    const {dir} = archive
    mkdirSync(path.join(dir, 'X'), {recursive: true})
    sparseWav(path.join(dir, 'X/big.wav'), 1.5e9)
    const victim = outside(['secret.wav', 'big.wav'])
    const before = victim.snapshot()

    const run = start(['encrypt', dir, '--yes', '--concurrency', '1'])
    // The encryption itself: its temp file exists while big.wav is read.
    const encrypting = await waitFor(() => readdirSync(path.join(dir, 'X')).some((name) => name.startsWith('.callrec-tmp-')) && hasOpen(run.child.pid!, '/X/big.wav'), 120_000)
    assert.ok(encrypting, 'the encryption of X/big.wav was never seen')
    renameSync(path.join(dir, 'X'), path.join(dir, 'X.moved'))
    symlinkSync(victim.dir, path.join(dir, 'X'))
    const {code, stderr} = await run.done

    assert.deepEqual(victim.snapshot(), before, 'a file outside the archive was changed, added or deleted')
    assert.equal(code, 3, stderr)
    assert.match(stderr, /^FAILED X\/secret\.wav: .*symlink or not a folder: not followed/m)
    assert.match(stderr, /^FAILED X\/big\.wav: /m)
    // Inside, both stay in clear and whole; no temp file is left behind.
    assert.deepEqual(readdirSync(path.join(dir, 'X.moved')).sort(), ['big.wav', 'secret.wav'])
    assert.deepEqual(readFileSync(path.join(dir, 'X.moved/secret.wav')), wav(0.2))
  })
})
