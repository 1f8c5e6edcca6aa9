// Issue 8, item 6: NAME and NAME.age side by side. Only a pair that the journal names (an interrupted run of
// ours) or that decrypts to exactly NAME is finished; a .age holding another recording keeps both and fails.
import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'
import {callrec, makeArchive, wav} from '../helpers.ts'

const keys = mkdtempSync(path.join(tmpdir(), 'callrec-key-'))
after(() => rmSync(keys, {recursive: true, force: true}))
const identity = path.join(keys, 'key')
execFileSync('age-keygen', ['-o', identity], {stdio: 'ignore'})
const recipient = execFileSync('age-keygen', ['-y', identity], {encoding: 'utf8'}).trim()

test('a wrong twin is a conflict (both kept, exit 3), with or without an identity; a twin of ours is finished', async () => {
  const archive = makeArchive({'callrec.yml': `encryption:\n  recipients:\n    - ${recipient}\n`, 'q/call.wav': wav(1), 'q/other.wav': wav(2), 'ours/x.wav': wav(0.5)})
  after(archive.cleanup)
  const {dir} = archive
  // call.wav.age holds another recording (other.wav), encrypted by age itself to the archive's recipient.
  execFileSync('age', ['-e', '-r', recipient, '-o', path.join(dir, 'q/call.wav.age'), path.join(dir, 'q/other.wav')])
  rmSync(path.join(dir, 'q/other.wav'))
  const wrong = readFileSync(path.join(dir, 'q/call.wav.age'))

  const blind = await callrec(['encrypt', dir, '--yes'])
  assert.equal(blind.code, 3, blind.stdout + blind.stderr)
  assert.match(blind.stderr, /^FAILED q\/call\.wav: q\/call\.wav\.age already exists and no journal entry shows it was made from this plaintext, and there is no identity to decrypt it \(--identity\); both left as they are$/m)
  const checked = await callrec(['encrypt', dir, '--yes', '--identity', identity])
  assert.equal(checked.code, 3)
  assert.match(checked.stderr, /^FAILED q\/call\.wav: q\/call\.wav\.age already exists and holds another recording \(it decrypts to other content\); both left as they are$/m)
  assert.deepEqual(readFileSync(path.join(dir, 'q/call.wav')), wav(1))
  assert.deepEqual(readFileSync(path.join(dir, 'q/call.wav.age')), wrong)
  const failed = readFileSync(path.join(dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line)).filter((entry) => entry.outcome === 'failed')
  assert.deepEqual(failed.map((entry) => entry.keys), [['q/call.wav'], ['q/call.wav']])

  // ours/x.wav was encrypted by the first run; put its plaintext back, as a run killed before the removal leaves it.
  assert.deepEqual(readdirSync(path.join(dir, 'ours')), ['x.wav.age'])
  writeFileSync(path.join(dir, 'ours/x.wav'), wav(0.5))
  copyFileSync(path.join(dir, 'ours/x.wav.age'), path.join(keys, 'x.wav.age'))
  const finish = await callrec(['encrypt', dir, '--yes', '--key', 'ours/**'])
  assert.equal(finish.code, 0, finish.stderr)
  assert.match(finish.stdout, /encrypted 1 recordings, 1 of them left by an interrupted run/)
  assert.deepEqual(readdirSync(path.join(dir, 'ours')), ['x.wav.age'])
  assert.deepEqual(readFileSync(path.join(dir, 'ours/x.wav.age')), readFileSync(path.join(keys, 'x.wav.age')))
})
