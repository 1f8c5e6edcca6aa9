// Issue 8, item 5: the run lock stays fresh while a purge hashes a big file for longer than the lock's
// staleness (10 s): a second purge still exits 4, and a hold added meanwhile is never lost to the purge.
import assert from 'node:assert/strict'
import {existsSync, mkdirSync, rmSync, statSync} from 'node:fs'
import path from 'node:path'
import {after, test} from 'node:test'
import {callrec, makeArchive, wav} from '../helpers.ts'
import {NOW, OLD} from '../purge/fixtures.ts'
import {STALE_MS} from '../../src/journal/lock.js'
import {hasOpen, journalOf, purgedKeys, sparseWav, start, waitFor} from './helpers.ts'

const sidecar = {recordedAt: OLD, purpose: 'quality', noticePlayed: true}
const archive = makeArchive({'calls/a.wav': wav(0.1), 'calls/a.json': sidecar, 'calls/zbig.json': sidecar})
after(archive.cleanup)
const {dir} = archive

test('a hash longer than the lock staleness: locks refreshed, a second purge exits 4, a hold is not lost, nothing journaled twice', {timeout: 300_000}, async () => {
  // 16 s of reading or more on this kind of machine (measured: 4 GB in 10.7 s idle): past STALE_MS.
  sparseWav(path.join(dir, 'calls/zbig.wav'), 6e9)
  const run = start(['purge', dir, '--now', NOW, '--yes'])
  const hashing = () => existsSync(path.join(dir, '.callrec/holds.json.lock')) && hasOpen(run.child.pid!, '/calls/zbig.wav')
  assert.ok(await waitFor(hashing, 120_000), 'the purge never hashed calls/zbig.wav')
  await new Promise((resolve) => setTimeout(resolve, STALE_MS + 1500))
  assert.ok(hashing(), 'the hash ended before the locks could go stale: the test proves nothing (make zbig.wav bigger)')

  // Still hashing after more than STALE_MS: both locks it holds must have been refreshed meanwhile.
  for (const lock of ['archive.lock', 'holds.json.lock']) {
    const age = Date.now() - statSync(path.join(dir, '.callrec', lock)).mtimeMs
    assert.ok(age < STALE_MS, `${lock} was last refreshed ${age} ms ago: stale, another run could take it`)
  }
  const second = await callrec(['purge', dir, '--now', NOW, '--yes'])
  assert.equal(second.code, 4, second.stderr)
  // A hold on calls/a.wav, already checked in this batch: `hold add` must not return 0 while a deletion may still come.
  const hold = callrec(['hold', 'add', 'calls/a.wav', '--archive', dir, '--reason', 'dispute']).then((result) => ({...result, existed: existsSync(path.join(dir, 'calls/a.wav'))}))

  const first = await run.done
  assert.equal(first.code, 0, first.stderr)
  const held = await hold
  if (held.code === 0 && held.existed) assert.ok(existsSync(path.join(dir, 'calls/a.wav')), 'hold add returned 0, then the purge deleted the held recording')
  const keys = purgedKeys(dir)
  assert.equal(new Set(keys).size, keys.length, `a deletion journaled twice: ${keys}`)
  for (const key of ['calls/a.wav', 'calls/zbig.wav']) assert.equal(existsSync(path.join(dir, key)), !keys.includes(key), `${key}: on disk and journal disagree`)
})

test('a lock taken over while a purge hashes: it stops before deleting, journals why, exits 3', {timeout: 300_000}, async () => {
  const other = makeArchive({'calls/a.wav': wav(0.1), 'calls/a.json': sidecar, 'calls/zbig.json': sidecar})
  after(other.cleanup)
  // Long enough that the hash outlasts the takeover's wait on an idle machine too (4 GB once ended first).
  sparseWav(path.join(other.dir, 'calls/zbig.wav'), 12e9)
  const run = start(['purge', other.dir, '--now', NOW, '--yes'])
  const hashing = () => existsSync(path.join(other.dir, '.callrec/holds.json.lock')) && hasOpen(run.child.pid!, '/calls/zbig.wav')
  assert.ok(await waitFor(hashing, 120_000), 'the purge never hashed calls/zbig.wav')
  // Another run takes the archive lock over (as one that judged it stale would): the purge's next refresh sees it.
  const lock = path.join(other.dir, '.callrec/archive.lock')
  rmSync(lock, {recursive: true})
  mkdirSync(lock)
  assert.ok(await waitFor(() => !hashing() || Date.now() - statSync(lock).mtimeMs > STALE_MS / 2 + 1000, 60_000))
  assert.ok(hashing(), 'the hash ended before the purge could notice: the test proves nothing (make zbig.wav bigger)')
  const {code, stderr} = await run.done
  assert.equal(code, 3, stderr)
  assert.match(stderr, /lost the lock .*: stopped before deleting more; run purge again/)
  assert.ok(existsSync(path.join(other.dir, 'calls/a.wav')) && existsSync(path.join(other.dir, 'calls/zbig.wav')), 'deleted after losing the lock')
  const entries = journalOf(other.dir)
  assert.deepEqual(entries.map((entry) => [entry.action, entry.outcome]), [['purge', 'failed']])
  assert.deepEqual(purgedKeys(other.dir), [])
})
