// The custom-named example spool (fixtures/README.md, "fixtures/spool-custom"): its templates date every recording
// from its name, its classify: rules give purposes and notice, and init infers the same templates.
import assert from 'node:assert/strict'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {before, test} from 'node:test'
import {parsePolicy} from '../../src/policy/load.ts'
import {callrecJson, NOW, ROOT} from '../helpers.ts'

const SPOOL = path.join(ROOT, 'fixtures', 'spool-custom')
let findings: {rule: string; key: string}[]
let recordings: {key: string; fields: Record<string, {value: unknown; source: string; ref: string}>}[]

before(async () => {
  // Exact keys (with their numbers) to compare with fixtures/README.md: --show-personal.
  const {json, code} = await callrecJson(['audit', SPOOL, '--now', NOW, '--show-personal'])
  assert.equal(code, 1)
  ;({findings, recordings} = json)
})

const keysOf = (rule: string) =>
  findings
    .filter((finding) => finding.rule === rule)
    .map((finding) => finding.key.replace('monitor/', ''))
    .sort()

test('every recording but one is dated from its name, in Paris time, by the template that fits it', () => {
  const byName = new Map(recordings.map((recording) => [recording.key.replace('monitor/', ''), recording.fields]))
  assert.equal(recordings.length, 8)
  const dated = recordings.filter((recording) => recording.fields.recordedAt.source === 'filename')
  assert.equal(dated.length, 7)
  const first = byName.get('202610051210_0639980102-211553_mainserverdss-1791195000.202.wav')!
  assert.equal(first.recordedAt.value, '2026-10-05T10:10:00.000Z')
  assert.equal(first.recordedAt.ref, 'filename:filenames[0] "{start:%Y%m%d%H%M}_{caller}-{callee}_{uniqueid}.{ext}"')
  assert.equal(first.callId.value, 'mainserverdss-1791195000.202')
  assert.match(byName.get('1791195960.203_202610051226_0639980103-0639980103.wav')!.recordedAt.ref, /^filename:filenames\[1\]/)
  assert.match(byName.get('202610051244_0639980104-211553.wav')!.recordedAt.ref, /^filename:filenames\[2\]/)
  assert.equal(byName.get('202610061015_-211474_1791274500.205.wav')!.caller, undefined, 'no caller id')
  const sales = byName.get('202610051210_0639980102-211553_mainserverdss-1791195000.202.wav')!
  assert.deepEqual([sales.purpose.value, sales.purpose.ref, sales.noticePlayed.ref], ['proof-of-contract', 'classify "sales line"', 'classify "sales line"'])
})

test('each rule flags exactly the recordings fixtures/README.md names', () => {
  assert.deepEqual(keysOf('retention-expired'), ['202604101134_0639980101-211474_1775813640.201.wav', '202605011030_0639980106-211474_1777624200.206.wav'])
  assert.deepEqual(keysOf('empty-recording'), ['202605011030_0639980106-211474_1777624200.206.wav', '202610051244_0639980104-211553.wav'])
  assert.deepEqual(keysOf('purpose-missing'), ['1791195960.203_202610051226_0639980103-0639980103.wav', 'test-recording.wav'])
  assert.deepEqual(keysOf('consent-missing'), ['1791195960.203_202610051226_0639980103-0639980103.wav', 'test-recording.wav'])
  assert.deepEqual(keysOf('date-from-mtime'), ['test-recording.wav'])
})

test('init infers the templates the spool policy uses, in its order, and proposes rules for its two lines', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-init-'))
  try {
    const file = path.join(dir, 'callrec.yml')
    const {code, json} = await callrecJson(['init', SPOOL, '--defaults', '-o', file])
    assert.equal(code, 0)
    const inferred = parsePolicy(readFileSync(file, 'utf8'), file).filenames
    assert.deepEqual(inferred, parsePolicy(readFileSync(path.join(SPOOL, 'callrec.yml'), 'utf8'), 'spool').filenames)
    assert.deepEqual(json.layout.names.unmatched, {count: 1, sample: ['monitor/test-recording.wav']})
    const text = readFileSync(file, 'utf8')
    assert.match(text, /^# {3}- name: calls to 211474\n# {5}match:\n# {7}callee: "211474"$/m)
    // The file says what its templates date, and lists what they do not.
    assert.match(text, /^# File names: 7 of 8 sampled are dated from the name \(87\.5 %\)\.\n(#[^\n]*\n)*# {5}monitor\/test-recording\.wav\nfilenames:$/m)
  } finally {
    rmSync(dir, {recursive: true, force: true})
  }
})
