// Issue 8, item 10: temp files are removed on SIGINT/SIGTERM, swept by the next run once their writer is gone
// (never while it lives), never left in plaintext; folders a purge empties are removed, never the root and
// never a folder that still holds anything.
import assert from 'node:assert/strict'
import {execFileSync, spawnSync} from 'node:child_process'
import {existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {tempName} from '../../src/store/temp.js'
import {callrec, makeArchive, wav} from '../helpers.ts'
import {ageLocks, listFiles, NOW, OLD, RECENT} from '../purge/fixtures.ts'
import {sparseWav, start, waitFor} from './helpers.ts'

const cleanups: (() => void)[] = []
after(() => cleanups.forEach((cleanup) => cleanup()))
const temps = (folder: string) => readdirSync(folder).filter((name) => name.startsWith('.callrec-tmp-'))

const keys = mkdtempSync(path.join(tmpdir(), 'callrec-key-'))
cleanups.push(() => rmSync(keys, {recursive: true, force: true}))
const identity = path.join(keys, 'key')
execFileSync('age-keygen', ['-o', identity], {stdio: 'ignore'})
const recipient = execFileSync('age-keygen', ['-y', identity], {encoding: 'utf8'}).trim()

describe('temp files', () => {
  const archive = makeArchive({'callrec.yml': `encryption:\n  recipients:\n    - ${recipient}\n`})
  cleanups.push(archive.cleanup)
  const {dir} = archive
  mkdirSync(path.join(dir, 'calls'))

  test('encrypt killed with SIGKILL leaves a temp file; the next run removes it, not the one of a live writer', {timeout: 180_000}, async () => {
    sparseWav(path.join(dir, 'calls/big.wav'), 1.5e9)
    const run = start(['encrypt', dir, '--yes'])
    assert.ok(await waitFor(() => temps(path.join(dir, 'calls')).length > 0, 120_000), 'no temp file seen')
    run.child.kill('SIGKILL')
    await run.done
    const left = temps(path.join(dir, 'calls'))
    assert.equal(left.length, 1)
    // This test process is alive: its temp file must stay.
    const live = tempName()
    writeFileSync(path.join(dir, 'calls', live), 'being written')
    ageLocks(dir) // the killed run's lock (its takeover is another test's subject)
    const rerun = await callrec(['encrypt', dir, '--yes'])
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.match(rerun.stdout, new RegExp(`^removed calls/${left[0]}, a temp file left by a killed run$`, 'm'))
    assert.deepEqual(temps(path.join(dir, 'calls')), [live])
    rmSync(path.join(dir, 'calls', live))
    assert.deepEqual(readdirSync(path.join(dir, 'calls')), ['big.wav.age'])
  })

  for (const [signal, where] of [['SIGINT', 'to a folder'], ['SIGTERM', 'in place']] as const) {
    test(`decrypt ${where} interrupted with ${signal}: exit 130, no plaintext temp file left`, {timeout: 120_000}, async () => {
      const out = mkdtempSync(path.join(tmpdir(), 'callrec-out-'))
      cleanups.push(() => rmSync(out, {recursive: true, force: true}))
      const target = where === 'in place' ? ['--in-place'] : ['-o', out]
      const folder = where === 'in place' ? path.join(dir, 'calls') : out
      // A temp file of a killed writer (a pid that is gone) is removed when the run starts.
      const [prefix, , , ...rest] = tempName().split('-')
      const dead = [prefix, 'tmp', spawnSync('true').pid, ...rest].join('-')
      writeFileSync(path.join(folder, dead), 'plaintext a killed decrypt left')
      const run = start(['decrypt', path.join(dir, 'calls/big.wav.age'), '-i', identity, '--reason', 'test', '--archive', dir, ...target])
      assert.ok(await waitFor(() => temps(folder).some((name) => name !== dead), 60_000), 'no temp file seen')
      run.child.kill(signal)
      const {code} = await run.done
      assert.equal(code, 130)
      assert.deepEqual(temps(folder), [])
      assert.ok(!existsSync(path.join(folder, 'big.wav')))
      assert.ok(statSync(path.join(dir, 'calls/big.wav.age')).size > 1.5e9)
    })
  }
})

test('purge removes the folders it emptied, from the deepest up; never the root, never a folder still holding anything', async () => {
  const expired = {recordedAt: OLD, purpose: 'quality', noticePlayed: true}
  const archive = makeArchive({
    '2025/01/10/a.wav': wav(0.1),
    '2025/01/10/a.json': expired,
    '2025/01/11/b.wav': wav(0.1),
    '2025/01/11/b.json': {...expired, recordedAt: RECENT},
    '2025/02/01/c.wav': wav(0.1),
    '2025/02/01/c.json': expired,
    '2025/02/01/.keep': '',
    'd.wav': wav(0.1),
    'd.json': expired,
  })
  cleanups.push(archive.cleanup)
  const {code, stdout} = await callrec(['purge', archive.dir, '--now', NOW, '--yes'])
  assert.equal(code, 0, stdout)
  assert.match(stdout, /^removed emptied folder 2025\/01\/10$/m)
  assert.deepEqual(listFiles(archive.dir), ['2025/01/11/b.json', '2025/01/11/b.wav'])
  assert.ok(existsSync(path.join(archive.dir, '2025/02/01/.keep')))
  assert.ok(existsSync(archive.dir))
})
