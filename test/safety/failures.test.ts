// Issue 8, items 7 and 8: one bad item never stops the rest and never passes as success; a --now ahead of
// the clock never makes a destructive command delete what is still within retention. Permission tests run
// the CLI as "nobody" (root ignores file modes), on an archive that nobody owns.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {chmodSync, existsSync, readdirSync} from 'node:fs'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {callrec, makeArchive, wav} from '../helpers.ts'
import {listFiles, NOW, OLD, RECENT, recordings} from '../purge/fixtures.ts'
import {journalOf, purgedKeys, start} from './helpers.ts'

const NOBODY = 65534
const cleanups: (() => void)[] = []
after(() => cleanups.forEach((cleanup) => cleanup()))
const old = {recordedAt: OLD, purpose: 'quality', noticePlayed: true}

/** An archive owned by nobody, with `locked` paths made mode 000 after it is written. */
function nobodysArchive(files: Parameters<typeof makeArchive>[0], locked: string[]): string {
  const archive = makeArchive(files)
  cleanups.push(archive.cleanup)
  execFileSync('chown', ['-R', `${NOBODY}:${NOBODY}`, archive.dir])
  for (const key of locked) chmodSync(path.join(archive.dir, key), 0o000)
  cleanups.unshift(() => locked.forEach((key) => chmodSync(path.join(archive.dir, key), 0o755)))
  return archive.dir
}

describe('per-item failures, as an unprivileged cron user', () => {
  test('110 expired recordings and one it cannot read: the 110 deleted and journaled, the one listed, exit 3', {timeout: 120_000}, async () => {
    const dir = nobodysArchive({...recordings(110, () => true), 'calls/locked.wav': wav(0.1), 'calls/locked.json': old}, ['calls/locked.wav'])
    const {code, stdout, stderr} = await start(['purge', dir, '--now', NOW, '--yes', '--json'], {uid: NOBODY}).done
    assert.equal(code, 3, stderr)
    const {result} = JSON.parse(stdout)
    assert.equal(result.deleted.length, 110)
    assert.deepEqual(result.failed.map((failed: {key: string}) => failed.key), ['calls/locked.wav'])
    assert.match(result.failed[0].error, /EACCES/)
    assert.deepEqual(listFiles(dir), ['calls/locked.json', 'calls/locked.wav'])
    // Every deletion journaled, and the failure too.
    const keys = purgedKeys(dir)
    assert.equal(keys.length, 110)
    for (let i = 0; i < 110; i++) assert.ok(keys.includes(`calls/${String(i).padStart(4, '0')}.wav`))
    const failed = journalOf(dir).filter((entry) => entry.outcome === 'failed')
    assert.deepEqual(failed.map((entry) => entry.keys), [['calls/locked.wav']])
    assert.match(failed[0].details.why, /^not deleted: .*EACCES/)
  })

  test('a day folder it cannot list: listed as a failure, exit 3, never "nothing to delete", exit 0', {timeout: 60_000}, async () => {
    const dir = nobodysArchive({'2025/01/10/a.wav': wav(0.1), '2025/01/10/a.json': {...old, recordedAt: RECENT}, '2025/01/11/b.wav': wav(0.1), '2025/01/11/b.json': old}, ['2025/01/11'])
    const purge = await start(['purge', dir, '--now', NOW, '--yes'], {uid: NOBODY}).done
    assert.equal(purge.code, 3, purge.stdout + purge.stderr)
    assert.match(purge.stderr, /^FAILED 2025\/01\/11\/: cannot list folder \(EACCES\)$/m)
    assert.doesNotMatch(purge.stdout, /^nothing to delete$/m)
    assert.deepEqual(journalOf(dir).map((entry) => [entry.action, entry.outcome, entry.keys]), [['purge', 'failed', ['2025/01/11/']]])
    // The dry run says so too.
    assert.equal((await start(['purge', dir, '--now', NOW, '--dry-run'], {uid: NOBODY}).done).code, 3)
    chmodSync(path.join(dir, '2025/01/11'), 0o755)
    assert.deepEqual(readdirSync(path.join(dir, '2025/01/11')).sort(), ['b.json', 'b.wav'])
  })

  test('encrypt: a folder it cannot list is a failure of the run (exit 3), the rest encrypted', {timeout: 60_000}, async () => {
    const recipient = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p'
    const dir = nobodysArchive({'callrec.yml': `encryption:\n  recipients:\n    - ${recipient}\n`, 'q1/a.wav': wav(0.1), 'q2/b.wav': wav(0.1)}, ['q2'])
    const {code, stdout, stderr} = await start(['encrypt', dir, '--yes'], {uid: NOBODY}).done
    assert.equal(code, 3, stdout + stderr)
    assert.match(stderr, /^FAILED q2\/: cannot list folder \(EACCES\)$/m)
    assert.match(stdout, /encrypted 1 recordings/)
    assert.ok(existsSync(path.join(dir, 'q1/a.wav.age')))
    const failed = journalOf(dir).filter((entry) => entry.outcome === 'failed')
    assert.deepEqual(failed.map((entry) => entry.keys), [['q2/']])
  })
})

describe('--now ahead of the clock', () => {
  test('purge --yes refuses it (exit 2) and deletes nothing; --dry-run may look ahead', async () => {
    const archive = makeArchive(recordings(3, () => false))
    cleanups.push(archive.cleanup)
    const before = listFiles(archive.dir)
    const ahead = new Date(Date.now() + 400 * 86400_000).toISOString()
    const refused = await callrec(['purge', archive.dir, '--now', ahead, '--yes'])
    assert.equal(refused.code, 2)
    assert.match(refused.stderr, /--now .*: later than the clock/)
    assert.deepEqual(listFiles(archive.dir), before)
    assert.deepEqual(journalOf(archive.dir), [])
    const dry = await callrec(['purge', archive.dir, '--now', ahead, '--dry-run'])
    assert.equal(dry.code, 0)
    assert.match(dry.stdout, /3 recordings to delete/)
    // Within a minute of the clock is clock skew, not a future date.
    const skew = await callrec(['purge', archive.dir, '--now', new Date(Date.now() + 30_000).toISOString(), '--yes'])
    assert.equal(skew.code, 0, skew.stderr)
    assert.deepEqual(listFiles(archive.dir), before)
  })
})
