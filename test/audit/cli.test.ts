// The audit as a cron job or a script sees it: exit codes, formats, explanations, personal data.
import assert from 'node:assert/strict'
import {parse} from 'csv-parse/sync'
import {mkdirSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {callrec, callrecJson, makeArchive, NOW, wav} from '../helpers.ts'

const ok = {recordedAt: '2026-10-01T10:00:00+02:00', purpose: 'quality', noticePlayed: true, caller: '+33612345678'}
let clean: ReturnType<typeof makeArchive>
let dirty: ReturnType<typeof makeArchive>

before(() => {
  clean = makeArchive({'callrec.yml': 'timezone: Europe/Paris\n', 'a.wav': wav(), 'a.json': ok})
  dirty = makeArchive({
    'callrec.yml': 'timezone: Europe/Paris\n',
    'a.wav': wav(),
    'a.json': ok,
    'old.wav': wav(),
    'old.json': {...ok, recordedAt: '2025-01-01T10:00:00+01:00', agent: '=HYPERLINK("http://evil","x")'},
    'unsure.wav': wav(),
    'unsure.json': {...ok, noticePlayed: undefined},
  })
})
after(() => {
  clean.cleanup()
  dirty.cleanup()
})

test('exit 0 when nothing is found, 1 on errors, and --fail-on moves the bar', async () => {
  assert.equal((await callrec(['audit', clean.dir, '--now', NOW])).code, 0)
  assert.equal((await callrec(['audit', dirty.dir, '--now', NOW])).code, 1)
  assert.equal((await callrec(['audit', dirty.dir, '--now', NOW, '--fail-on', 'never'])).code, 0)
  // Only a warning (notice unknown) left once the expired recording is filtered out.
  assert.equal((await callrec(['audit', dirty.dir, '--now', NOW, '--rule', 'consent-missing'])).code, 0)
  assert.equal((await callrec(['audit', dirty.dir, '--now', NOW, '--rule', 'consent-missing', '--fail-on', 'warning'])).code, 1)
})

test('exit 2 with one line naming the problem for usage and policy errors', async () => {
  const missing = await callrec(['audit', path.join(clean.dir, 'nope'), '--now', NOW])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /nope: no such folder\n$/)
  const badNow = await callrec(['audit', clean.dir, '--now', 'yesterday'])
  assert.equal(badNow.code, 2)
  assert.equal(badNow.stderr, 'callrec: --now yesterday: not an ISO 8601 date or date-time\n')
  const badRule = await callrec(['audit', clean.dir, '--rule', 'nonsense'])
  assert.equal(badRule.code, 2)
  const broken = makeArchive({'callrec.yml': 'timezone: Europe/Paris\npurposes:\n  quality:\n    retention: forever\n'})
  try {
    const result = await callrec(['audit', broken.dir])
    assert.equal(result.code, 2)
    assert.equal(result.stderr.split('\n').length, 2, 'one line')
    assert.match(result.stderr, /callrec\.yml:4: purposes\.quality\.retention: not a duration/)
    assert.equal(result.stdout, '')
  } finally {
    broken.cleanup()
  }
})

test('--json errors come out as JSON on stdout with the exit code', async () => {
  const {code, json} = await callrecJson(['audit', path.join(clean.dir, 'nope')])
  assert.equal(code, 2)
  assert.match(json.error.message, /no such folder/)
  assert.equal(json.error.exitCode, 2)
})

test('--json gives summary, recordings with the source of each field, and findings', async () => {
  const {json} = await callrecJson(['audit', dirty.dir, '--now', NOW])
  assert.deepEqual(Object.keys(json).sort(), ['findings', 'recordings', 'summary'])
  assert.equal(json.summary.recordings, 3)
  assert.equal(json.summary.withNotice, 2)
  assert.equal(json.summary.oldestRecordedAt, '2025-01-01T09:00:00.000Z')
  assert.equal(json.summary.byRule['retention-expired'], 1)
  const old = json.recordings.find((r: {key: string}) => r.key === 'old.wav')
  assert.deepEqual(old.fields.recordedAt, {value: '2025-01-01T09:00:00.000Z', source: 'sidecar', ref: 'old.json'})
  assert.deepEqual(old.audio, {container: 'WAVE', codec: 'PCM', durationSec: 0.5, sampleRate: 8000, channels: 1})
  const expired = json.findings.find((f: {rule: string}) => f.rule === 'retention-expired')
  assert.deepEqual(expired, {
    rule: 'retention-expired',
    severity: 'error',
    key: 'old.wav',
    message: 'recorded 2025-01-01 (sidecar), purpose quality: retention of 6 months ended 2025-07-01',
    messageId: 'expired',
    data: {date: '2025-01-01', origin: 'sidecar', purpose: 'quality', duration: '6 months', end: '2025-07-01'},
    dueAt: '2025-07-01T08:00:00.000Z',
  })
})

test('caller numbers are masked unless --show-personal', async () => {
  const masked = await callrecJson(['audit', clean.dir, '--now', NOW])
  assert.equal(masked.json.recordings[0].fields.caller.value, '+336••••••78')
  const shown = await callrecJson(['audit', clean.dir, '--now', NOW, '--show-personal'])
  assert.equal(shown.json.recordings[0].fields.caller.value, '+33612345678')
})

test('csv: one row per finding, and a cell that starts like a formula is neutralised', async () => {
  const evil = makeArchive({'=cmd.wav': 'not audio'})
  try {
    const result = await callrec(['audit', evil.dir, '--now', NOW, '--format', 'csv'])
    const rows = parse(result.stdout, {columns: true}) as Record<string, string>[]
    assert.deepEqual(Object.keys(rows[0]), ['rule', 'severity', 'key', 'message', 'dueAt'])
    assert.ok(rows.length >= 3)
    for (const row of rows) assert.equal(row.key, "'=cmd.wav")
  } finally {
    evil.cleanup()
  }
})

test('piped output defaults to ndjson, one finding a line', async () => {
  const result = await callrec(['audit', dirty.dir, '--now', NOW])
  const lines = result.stdout.trim().split('\n').map((line) => JSON.parse(line))
  assert.ok(lines.length > 0)
  for (const line of lines) assert.deepEqual(Object.keys(line).slice(0, 4), ['rule', 'severity', 'key', 'message'])
  assert.equal(result.stderr, '', 'no progress or noise on stderr when piped')
})

test('table lists findings grouped by rule with a summary line', async () => {
  const result = await callrec(['audit', dirty.dir, '--now', NOW, '--format', 'table'])
  assert.match(result.stdout, /^retention-expired 1 · /m)
  assert.match(result.stdout, /^ {2}error {3}old\.wav {2}recorded 2025-01-01/m)
  assert.match(result.stdout, /3 recordings \(.*\), 0 encrypted, 0 unreadable · 1 error, 1 warning, 0 info/)
  assert.doesNotMatch(result.stdout, /\x1b\[/, 'no colour when piped')
})

test('--explain shows where each field came from', async () => {
  const result = await callrec(['audit', dirty.dir, '--now', NOW, '--explain', 'old.wav'])
  assert.match(result.stdout, /recordedAt +2025-01-01T09:00:00.000Z +sidecar: old.json/)
  assert.match(result.stdout, /error +retention-expired/)
  const missing = await callrec(['audit', dirty.dir, '--explain', 'nope.wav'])
  assert.equal(missing.code, 2)
  assert.match(missing.stderr, /nope\.wav: no such recording/)
})

test('without a path the archive is the nearest folder up holding callrec.yml', async () => {
  const deep = path.join(clean.dir, 'x', 'y')
  mkdirSync(deep, {recursive: true})
  const {json} = await callrecJson(['audit', '--now', NOW], {cwd: deep})
  assert.equal(json.summary.archive, clean.dir)
  assert.deepEqual(json.recordings.map((r: {key: string}) => r.key), ['a.wav'])
})

test('without a policy the CNIL defaults apply and the output says so', async () => {
  const bare = makeArchive({'a.wav': wav(), 'a.json': {...ok, recordedAt: '2026-05-01T10:00:00+02:00'}})
  try {
    const {json} = await callrecJson(['audit', bare.dir, '--now', NOW])
    assert.match(json.summary.policy, /CNIL defaults/)
    assert.equal(json.findings.find((f: {rule: string}) => f.rule === 'retention-expired').key, 'a.wav')
  } finally {
    bare.cleanup()
  }
})

test('--policy uses a policy kept outside the archive', async () => {
  const policy = path.join(dirty.dir, '..', `policy-${process.pid}.yml`)
  writeFileSync(policy, 'timezone: UTC\npurposes:\n  quality: {retention: 5 years}\n')
  const {json} = await callrecJson(['audit', dirty.dir, '--now', NOW, '--policy', policy])
  assert.equal(json.summary.policy, policy)
  assert.equal(json.summary.byRule['retention-expired'], 0)
})
