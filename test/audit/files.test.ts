// What real spools hold besides good audio: odd names, damaged files, links, hidden and excluded entries.
import assert from 'node:assert/strict'
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {test} from 'node:test'
import {callrecJson, makeArchive, NOW, wav} from '../helpers.ts'

test('non-UTF-8 file names are audited and keep a key that names their bytes', async () => {
  const archive = makeArchive({'callrec.yml': 'timezone: UTC\n'})
  try {
    const name = Buffer.concat([Buffer.from(archive.dir + '/appel-'), Buffer.from([0xe9, 0x74, 0xe9]), Buffer.from('.wav')])
    writeFileSync(name, wav())
    writeFileSync(Buffer.concat([Buffer.from(archive.dir + '/appel-'), Buffer.from([0xe9, 0x74, 0xe9]), Buffer.from('.json')]), JSON.stringify({purpose: 'quality'}))
    const {json} = await callrecJson(['audit', archive.dir, '--now', NOW])
    assert.equal(json.recordings.length, 1)
    const [recording] = json.recordings
    assert.equal(recording.key, 'appel-\\xe9t\\xe9.wav')
    assert.equal(recording.audio.codec, 'PCM')
    assert.equal(recording.fields.purpose.value, 'quality', 'the sidecar with a non-UTF-8 name is paired')
    assert.equal(json.findings.some((f: {rule: string}) => f.rule === 'unreadable'), false)
  } finally {
    archive.cleanup()
  }
})

test('a truncated WAV, a zero-byte file and a text file are unreadable, with the reason', async () => {
  const whole = wav(1)
  const archive = makeArchive({
    'cut-in-data.wav': whole.subarray(0, 3000),
    'cut-in-header.wav': whole.subarray(0, 20),
    'empty.wav': Buffer.alloc(0),
    'notes.wav': 'call me back\n',
    'fine.wav': whole,
  })
  try {
    const {json, code} = await callrecJson(['audit', archive.dir, '--now', NOW, '--rule', 'unreadable'])
    assert.equal(code, 1)
    const reasons = Object.fromEntries(json.findings.map((f: {key: string; message: string}) => [f.key, f.message]))
    assert.match(reasons['cut-in-data.wav'], /cut short: the WAV header declares 16044 bytes, the file has 3000/)
    assert.match(reasons['cut-in-header.wav'], /cut short/)
    assert.match(reasons['empty.wav'], /empty file/)
    assert.match(reasons['notes.wav'], /not a recognised audio format/)
    assert.equal(reasons['fine.wav'], undefined)
    assert.equal(json.summary.unreadable, 4)
    assert.equal(json.summary.recordings, 5, 'unreadable files are still recordings of the archive')
  } finally {
    archive.cleanup()
  }
})

test('hidden entries, the policy, CDR files and excluded globs are not recordings', async () => {
  const archive = makeArchive({
    'callrec.yml': 'exclude: ["**/*.tmp", "voicemail/**"]\ncdr: []\n',
    'a.wav': wav(),
    'partial.tmp': 'x',
    'voicemail/vm.wav': wav(),
    '.callrec/journal.jsonl': '',
    '.hidden/b.wav': wav(),
    'sub/.c.wav': wav(),
  })
  try {
    const {json} = await callrecJson(['audit', archive.dir, '--now', NOW])
    assert.deepEqual(json.recordings.map((r: {key: string}) => r.key), ['a.wav'])
  } finally {
    archive.cleanup()
  }
})

test('audio is recognised by content, and the audit reads MP3 and Ogg Opus made by ffmpeg', async () => {
  const fixtures = path.join(import.meta.dirname, '..', 'fixtures')
  const archive = makeArchive({
    'tone.mp3': readFileSync(path.join(fixtures, 'tone.mp3')),
    'tone.opus': readFileSync(path.join(fixtures, 'tone.opus')),
    'tone.dat': wav(0.25, 'mulaw'),
  })
  try {
    const {json} = await callrecJson(['audit', archive.dir, '--now', NOW])
    const audio = Object.fromEntries(json.recordings.map((r: {key: string; audio: object}) => [r.key, r.audio]))
    const {durationSec: mp3Seconds, ...mp3} = audio['tone.mp3'] as {durationSec: number}
    assert.deepEqual(mp3, {container: 'MPEG', codec: 'MPEG 2.5 Layer 3', sampleRate: 8000, channels: 1})
    assert.ok(Math.abs(mp3Seconds - 1) < 0.2, `1 s of MP3 (with encoder padding), got ${mp3Seconds}`)
    assert.equal((audio['tone.opus'] as {codec: string}).codec, 'Opus')
    assert.equal((audio['tone.opus'] as {durationSec: number}).durationSec, 1)
    assert.deepEqual(audio['tone.dat'], {container: 'WAVE', codec: 'MULAW', durationSec: 0.25, sampleRate: 8000, channels: 1})
  } finally {
    archive.cleanup()
  }
})

test('call facts in audio tags are read: ID3 TXXX frames and key=value comments', async () => {
  const fixtures = path.join(import.meta.dirname, '..', 'fixtures')
  const archive = makeArchive({'tagged.mp3': readFileSync(path.join(fixtures, 'tagged.mp3'))})
  try {
    const {json} = await callrecJson(['audit', archive.dir, '--now', NOW])
    const {fields} = json.recordings[0]
    assert.deepEqual(fields.purpose, {value: 'training', source: 'tag', ref: 'ID3v2.4:TXXX:purpose'})
    assert.equal(fields.noticePlayed.value, true)
    assert.equal(fields.recordedAt.value, '2026-09-01T08:30:00.000Z')
  } finally {
    archive.cleanup()
  }
})
