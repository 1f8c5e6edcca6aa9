import assert from 'node:assert/strict'
import {existsSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, describe, test} from 'node:test'
import {callrec, callrecJson, makeArchive, wav} from '../helpers.ts'
import {listFiles, NOW, OLD, RECENT, wavWithComment} from './fixtures.ts'

const made = makeArchive({
  'a.wav': wav(0.05),
  'a.json': {recordedAt: RECENT, purpose: 'quality', caller: '06 12 34 56 78'},
  'b.wav': wav(0.05),
  'b.json': {recordedAt: OLD, purpose: 'quality', caller: '0140000000', callee: '+33612345678', direction: 'outbound'},
  'c.wav': wavWithComment('caller=0033612345678; purpose=quality'),
  'd.wav': wav(0.05),
  'd.json': {recordedAt: RECENT, purpose: 'quality', caller: '0612345679'},
  'e.wav.age': Buffer.from('age-encryption.org/v1\n-> X25519 abc\n'),
  'e.json': {recordedAt: RECENT, purpose: 'quality', caller: '+33 6 12 34 56 78'},
})
const out = mkdtempSync(path.join(tmpdir(), 'callrec-dsar-'))
after(() => {
  made.cleanup()
  rmSync(out, {recursive: true, force: true})
})

describe('find --caller', () => {
  for (const number of ['06 12 34 56 78', '+33612345678', '0033612345678']) {
    test(`"${number}" matches the number however each source wrote it (sidecar caller or callee, audio tag)`, async () => {
      const {code, json} = await callrecJson(['find', made.dir, '--caller', number])
      assert.equal(code, 0)
      assert.deepEqual(json.matches.map((match: {key: string}) => match.key), ['a.wav', 'b.wav', 'c.wav', 'e.wav.age'])
      assert.equal(json.matches[0].caller, '0612••••78')
    })
  }

  test('--export copies recordings and sidecars, refuses encrypted ones with why (exit 3), journals the access', async () => {
    const dest = path.join(out, 'request-812')
    const {code, stdout} = await callrec(['find', made.dir, '--caller', '+33612345678', '--export', dest, '--reason', 'access request #812'])
    assert.equal(code, 3)
    assert.match(stdout, /exported 3 recordings/)
    assert.match(stdout, /NOT exported e\.wav\.age: encrypted: give an identity \(-i FILE\)/)
    assert.deepEqual(listFiles(dest), ['a.json', 'a.wav', 'b.json', 'b.wav', 'c.wav'])
    assert.deepEqual(readFileSync(path.join(dest, 'a.wav')), readFileSync(path.join(made.dir, 'a.wav')))
    const entries = readFileSync(path.join(made.dir, '.callrec/journal.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line))
    const exported = entries.at(-1)
    assert.equal(exported.action, 'export')
    assert.equal(exported.reason, 'access request #812')
    assert.deepEqual(exported.keys, ['a.wav', 'b.wav', 'c.wav'])
    assert.equal(entries.at(-2).action, 'find')
    assert.equal(entries.at(-2).details.callerHmac, exported.details.callerHmac)
  })

  test('--export needs a reason and a folder outside the archive', async () => {
    const noReason = await callrec(['find', made.dir, '--caller', '+33612345678', '--export', path.join(out, 'x')])
    assert.equal(noReason.code, 2)
    const inside = await callrec(['find', made.dir, '--caller', '+33612345678', '--export', path.join(made.dir, 'copies'), '--reason', 'r'])
    assert.equal(inside.code, 2)
    assert.match(inside.stderr, /inside the archive/)
    assert.ok(!existsSync(path.join(made.dir, 'copies')))
  })

  test('purge --caller erases every recording of the number (right to erasure), whatever its age', async () => {
    const {code, json} = await callrecJson(['purge', made.dir, '--caller', '0033 6 12 34 56 78', '--now', NOW, '--yes', '--reason', 'erasure request #813'])
    assert.equal(code, 0)
    assert.deepEqual(json.result.deleted.map((deleted: {key: string}) => deleted.key), ['a.wav', 'b.wav', 'c.wav', 'e.wav'])
    assert.deepEqual(listFiles(made.dir), ['d.json', 'd.wav'])
  })
})
