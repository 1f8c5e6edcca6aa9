// Purge on spools without sidecars: what the plan cannot judge, and empty recordings.
import assert from 'node:assert/strict'
import {existsSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {wavDataBytes, wavHasNoFrames} from '../../src/probe/wav-data.js'
import {callrec, callrecJson, tempArchive, wav} from '../helpers.ts'
import {listFiles, NOW, OLD, RECENT} from './fixtures.ts'

const freepbx = (day: string, seq: number) => `monitor/2025/${day.slice(4, 6)}/${day.slice(6, 8)}/in-0140000000-06399800${String(seq).padStart(2, '0')}-${day}-101500-17500000${String(seq).padStart(2, '0')}.${seq}.wav`
const journalOf = (dir: string) => {
  const file = path.join(dir, '.callrec/journal.jsonl')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []
}

/** Two recordings past retention with a purpose; three FreePBX recordings without one (11 months old); one with a purpose the policy lacks. */
function spool(policy = '') {
  return tempArchive({
    'callrec.yml': `timezone: Europe/Paris\n${policy}`,
    'calls/a.wav': wav(0.05),
    'calls/a.json': {recordedAt: OLD, purpose: 'quality', noticePlayed: true},
    'calls/b.wav': wav(0.05),
    'calls/b.json': {recordedAt: OLD, purpose: 'quality', noticePlayed: true},
    [freepbx('20251220', 1)]: wav(0.05),
    [freepbx('20251221', 2)]: wav(0.05),
    [freepbx('20251222', 3)]: wav(0.05),
    'calls/c.wav': wav(0.05),
    'calls/c.json': {recordedAt: OLD, purpose: 'marketing'},
  })
}

test('the plan counts what it leaves out for want of a purpose, by reason, with a hint', async () => {
  const dir = spool()
  const {code, json} = await callrecJson(['purge', dir, '--now', NOW, '--dry-run'])
  assert.equal(code, 0)
  assert.equal(json.plan.recordings, 2)
  assert.deepEqual(json.plan.notJudged, {
    count: 4,
    byReason: {'no-purpose': 3, 'unknown-purpose': 1},
    hint: 'set defaults.purpose or classify: rules in the policy (`callrec audit --rule purpose-missing` lists them)',
  })
  const text = await callrec(['purge', dir, '--now', NOW, '--dry-run'])
  assert.equal(text.code, 0)
  assert.match(text.stdout, /^left out, retention unknown: 4\n {2}no purpose in any source: 3\n {2}a purpose the policy does not define: 1\n {2}hint: set defaults\.purpose or classify: rules/m)
})

test('with defaults.purpose the same spool is judged: the old FreePBX recordings are planned, nothing left out but the unknown purpose', async () => {
  const dir = spool('defaults: {purpose: quality}\n')
  const {json} = await callrecJson(['purge', dir, '--now', NOW, '--dry-run'])
  assert.equal(json.plan.recordings, 5)
  assert.deepEqual(json.plan.notJudged, {count: 1, byReason: {'unknown-purpose': 1}, hint: json.plan.notJudged.hint})
  const rules = await callrecJson(['purge', dir, '--now', NOW, '--dry-run', '--rule', 'caller-objected'])
  assert.deepEqual(rules.json.plan.notJudged, {count: 0, byReason: {}}, 'only retention-expired needs a purpose')
})

test('the plan says how many recordings are judged from the mtime', async () => {
  const dir = tempArchive({'callrec.yml': 'defaults: {purpose: quality}\n', 'misc/voicemail.wav': wav(0.05)})
  const {json} = await callrecJson(['purge', dir, '--now', NOW, '--dry-run'])
  assert.equal(json.plan.datedFromMtime, 1)
})

test('empty-recording: header-only WAVs and 0-byte raw files are found whatever their age, purged only when asked, holds respected, journaled', async () => {
  const dir = tempArchive({
    'calls/empty.wav': wav(0),
    'calls/empty.json': {recordedAt: RECENT, purpose: 'quality', noticePlayed: true},
    'calls/held.wav': wav(0),
    'calls/held.json': {recordedAt: RECENT, purpose: 'quality', noticePlayed: true, legalHold: {reason: 'dispute #12', since: '2026-10-02'}},
    'calls/sound.wav': wav(0.05),
    'calls/sound.json': {recordedAt: RECENT, purpose: 'quality', noticePlayed: true},
    'calls/raw.gsm': '',
    'calls/raw.json': {recordedAt: RECENT, purpose: 'quality', noticePlayed: true},
  })
  const audit = await callrecJson(['audit', dir, '--now', NOW, '--rule', 'empty-recording'])
  assert.equal(audit.code, 0, 'a warning: exit 0 with the default --fail-on')
  assert.deepEqual(audit.json.findings.map((finding: any) => [finding.key, finding.severity]).sort(), [['calls/empty.wav', 'warning'], ['calls/held.wav', 'warning'], ['calls/raw.gsm', 'warning']])
  assert.equal((await callrec(['audit', dir, '--now', NOW, '--rule', 'empty-recording', '--fail-on', 'warning'])).code, 1)

  const byDefault = await callrecJson(['purge', dir, '--now', NOW, '--dry-run'])
  assert.equal(byDefault.json.plan.recordings, 0, 'not selected unless asked for')
  const purge = await callrecJson(['purge', dir, '--now', NOW, '--rule', 'empty-recording', '--yes'])
  assert.equal(purge.code, 0, JSON.stringify(purge.json))
  assert.deepEqual(purge.json.plan.byRule, {'empty-recording': 2})
  assert.equal(purge.json.plan.held.count, 1)
  assert.deepEqual(listFiles(dir), ['calls/held.json', 'calls/held.wav', 'calls/sound.json', 'calls/sound.wav'])
  const entries = journalOf(dir).filter((entry) => entry.action === 'purge')
  assert.deepEqual(entries.map((entry) => [entry.keys, entry.details.rules, entry.outcome]).sort(), [[['calls/empty.wav'], ['empty-recording'], 'ok'], [['calls/raw.gsm'], ['empty-recording'], 'ok']])
})

test('wavDataBytes: an empty data chunk, a streaming header followed by audio, a file cut in its header', () => {
  const empty = wav(0)
  assert.equal(wavDataBytes(empty, empty.length), 0)
  assert.equal(wavHasNoFrames(empty, empty.length), true)
  const sound = wav(0.01)
  assert.equal(wavDataBytes(sound, sound.length), 160)
  assert.equal(wavHasNoFrames(sound, sound.length), false)
  // Written while recording: sizes 0 or 0xFFFFFFFF, the audio after them is what counts.
  for (const declared of [0, 0xffffffff]) {
    const streaming = Buffer.from(sound)
    streaming.writeUInt32LE(declared, 40)
    assert.equal(wavDataBytes(streaming, streaming.length), 160)
  }
  // A one-byte remainder is no 16-bit frame.
  assert.equal(wavHasNoFrames(Buffer.concat([empty, Buffer.alloc(1)]), 45, 2), true)
  assert.equal(wavDataBytes(empty.subarray(0, 30), 30), undefined)
  assert.equal(wavDataBytes(Buffer.from('not a wav at all'), 16), undefined)
})
