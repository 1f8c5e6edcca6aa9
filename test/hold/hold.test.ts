import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {describe, test} from 'node:test'
import {callrec, callrecJson, wav, tempArchive} from '../helpers.ts'
import {listFiles, NOW, OLD, recordings, wavWithComment} from '../purge/fixtures.ts'

const archive = tempArchive
const purge = (dir: string, ...more: string[]) => callrecJson(['purge', dir, '--now', NOW, '--yes', ...more])
const hold = (dir: string, ...more: string[]) => callrec(['hold', 'add', '--archive', dir, ...more])

describe('legal holds', () => {
  test('a hold by key, glob, caller or call id keeps the recording out of every purge path', async () => {
    const files = recordings(6, () => true, (i) => ({caller: ['06 12 34 56 78', '+33 1 40 00 00 01', '0033612345678', '0140000002', '0140000003', '0140000004'][i]}))
    files['other/0009.wav'] = wav(0.05)
    files['other/0009.json'] = {recordedAt: OLD, purpose: 'quality', callerObjected: true}
    const dir = archive(files)
    assert.equal((await hold(dir, 'calls/0001.wav', '--reason', 'dispute #1')).code, 0)
    assert.equal((await hold(dir, '--glob', 'other/**', '--reason', 'audit by the regulator')).code, 0)
    assert.equal((await hold(dir, '--caller', '+33612345678', '--reason', 'police request', '--until', '2027-12-31')).code, 0)
    assert.equal((await hold(dir, '--call-id', 'pbx1-170000003.1', '--reason', 'complaint')).code, 0)

    const audit = await callrecJson(['audit', dir, '--now', NOW, '--fail-on', 'never'])
    const expired = audit.json.findings.filter((finding: {rule: string}) => finding.rule === 'retention-expired').map((finding: {key: string}) => finding.key)
    assert.deepEqual(expired, ['calls/0004.wav', 'calls/0005.wav'])
    const held = audit.json.recordings.find((recording: {key: string}) => recording.key === 'calls/0001.wav').fields.legalHold
    assert.deepEqual({...held, value: {...held.value, since: undefined}}, {value: {reason: 'dispute #1', since: undefined}, source: 'holds', ref: 'holds.json#1'})
    assert.match(held.value.since, /^\d{4}-\d\d-\d\d$/)

    // The rules path (retention-expired, caller-objected on a held recording) and the erasure path.
    const rules = await purge(dir)
    assert.equal(rules.code, 0)
    assert.deepEqual(rules.json.result.deleted.map((deleted: {key: string}) => deleted.key), ['calls/0004.wav', 'calls/0005.wav'])
    assert.equal(rules.json.plan.held.count, 5)
    const erasure = await purge(dir, '--caller', '06 12 34 56 78', '--reason', 'erasure #3')
    assert.equal(erasure.code, 0)
    assert.equal(erasure.json.plan.recordings, 0)
    assert.deepEqual(erasure.json.plan.held.sample.map((entry: {key: string}) => entry.key), ['calls/0000.wav', 'calls/0002.wav'])
    assert.match(erasure.json.plan.held.sample[0].why, /legal hold "police request" until 2027-12-31 \(holds: holds.json#3\)/)
    assert.deepEqual(listFiles(dir).filter((key) => key.endsWith('.wav')), ['calls/0000.wav', 'calls/0001.wav', 'calls/0002.wav', 'calls/0003.wav', 'other/0009.wav'])

    // Released, they go.
    for (const id of ['1', '2', '3', '4']) assert.equal((await callrec(['hold', 'release', '--id', id, '--archive', dir, '--reason', 'closed'])).code, 0)
    assert.equal((await purge(dir)).json.result.deleted.length, 5)
    assert.deepEqual(listFiles(dir), [])
  })

  test('a hold written in a sidecar is respected too, and purge --caller refuses what a law keeps, saying why', async () => {
    const dir = archive({
      'callrec.yml': 'purposes:\n  quality: {retention: 6 months}\n  mifid-ii: {retention: 5 years, reference: "Règlement délégué (UE) 2017/565 art. 76"}\n',
      'a.wav': wav(0.05),
      'a.json': {recordedAt: OLD, purpose: 'quality', caller: '0612345678', legalHold: {reason: 'litigation'}},
      'b.wav': wav(0.05),
      'b.json': {recordedAt: OLD, purpose: 'mifid-ii', caller: '+33612345678'},
      'c.wav': wavWithComment('caller=0033612345678; purpose=quality'),
    })
    const {code, json} = await purge(dir, '--caller', '+33 6 12 34 56 78', '--reason', 'erasure #4')
    assert.equal(code, 0)
    assert.deepEqual(json.result.deleted.map((deleted: {key: string}) => deleted.key), ['c.wav'])
    assert.match(json.plan.held.sample[0].why, /legal hold "litigation" \(sidecar: a\.json\)/)
    assert.deepEqual(json.plan.refused, [{key: 'b.wav', why: 'kept for a legal obligation (GDPR art. 17(3)(b)): purpose mifid-ii (Règlement délégué (UE) 2017/565 art. 76), retention 5 years until 2030-01-10'}])
    assert.deepEqual(listFiles(dir), ['a.json', 'a.wav', 'b.json', 'b.wav', 'callrec.yml'])
    const journal = readFileSync(path.join(dir, '.callrec/journal.jsonl'), 'utf8')
    const refused = journal.trim().split('\n').map((line) => JSON.parse(line)).filter((entry) => entry.outcome === 'refused')
    assert.deepEqual(refused.map((entry) => [entry.keys[0], entry.reason]), [['a.wav', 'erasure #4'], ['b.wav', 'erasure #4']])
    assert.ok(!journal.includes('612345678'), 'no caller number in clear in the journal')
  })

  test('legal-hold-expired sees the until of a holds-file hold, and an ended hold no longer protects', async () => {
    const dir = archive(recordings(1, () => true))
    assert.equal((await hold(dir, 'calls/0000.wav', '--reason', 'case 12', '--until', '2026-06-30')).code, 0)
    const audit = await callrecJson(['audit', dir, '--now', NOW, '--fail-on', 'never'])
    const rules = audit.json.findings.map((finding: {rule: string; message: string}) => `${finding.rule}: ${finding.message}`)
    assert.ok(rules.includes('legal-hold-expired: legal hold "case 12" ended 2026-06-30 (holds file holds.json#1)'), rules.join('\n'))
    assert.ok(rules.some((rule: string) => rule.startsWith('retention-expired')))
  })

  test('hold list shows callers only as an HMAC; hold add refuses an unknown key and a non-number', async () => {
    const dir = archive(recordings(1, () => false))
    assert.equal((await hold(dir, '--caller', '06 12 34 56 78', '--reason', 'case 9', '--even-if-none')).code, 0)
    const list = await callrec(['hold', 'list', '--archive', dir])
    assert.match(list.stdout, /#1 {2}caller \(HMAC [0-9a-f]{12}…\) {2}"case 9"/)
    assert.ok(!readFileSync(path.join(dir, '.callrec/holds.json'), 'utf8').includes('612345678'))
    assert.ok(existsSync(path.join(dir, '.callrec/hmac.key')))
    const unknown = await hold(dir, 'calls/nope.wav', '--reason', 'x')
    assert.equal(unknown.code, 2)
    assert.match(unknown.stderr, /calls\/nope\.wav: no such recording/)
    const bad = await hold(dir, '--caller', '1001', '--reason', 'x')
    assert.equal(bad.code, 2)
    assert.match(bad.stderr, /not a phone number/)
  })

  test('a --glob, --caller or --call-id hold that matches nothing is refused (a typo protects nothing) unless --even-if-none', async () => {
    const dir = archive(recordings(2, () => true))
    for (const match of [['--glob', 'cals/**'], ['--call-id', '999.9'], ['--caller', '0612345678']]) {
      const refused = await hold(dir, ...match, '--reason', 'typo')
      assert.equal(refused.code, 2, match.join(' '))
      assert.match(refused.stderr, /matches no recording in .*; check it, or add --even-if-none/)
    }
    assert.equal(existsSync(path.join(dir, '.callrec/holds.json')), false, 'nothing written')
    assert.equal((await hold(dir, '--glob', 'calls/**', '--reason', 'real')).code, 0)
    assert.equal((await hold(dir, '--call-id', '999.9', '--reason', 'to come', '--even-if-none')).code, 0)
  })

  test('hold ids are never given again after a release', async () => {
    const dir = archive(recordings(2, () => true))
    assert.equal((await hold(dir, 'calls/0000.wav', '--reason', 'a')).code, 0)
    assert.equal((await hold(dir, 'calls/0001.wav', '--reason', 'b')).code, 0)
    assert.equal((await callrec(['hold', 'release', '--archive', dir, '--id', '2', '--reason', 'done'])).code, 0)
    const again = await callrecJson(['hold', 'add', '--archive', dir, 'calls/0001.wav', '--reason', 'c'])
    assert.equal(again.json.hold.id, 3)
  })
})
