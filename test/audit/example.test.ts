// The bundled example archive (fixtures/README.md): every rule is tripped where the table says, and only there.
import assert from 'node:assert/strict'
import path from 'node:path'
import {before, test} from 'node:test'
import {callrecJson, NOW, ROOT} from '../helpers.ts'

const ARCHIVE = path.join(ROOT, 'fixtures', 'archive')
let findings: {rule: string; severity: string; key: string; message: string}[]
let recordings: {key: string; encrypted: boolean; fields: Record<string, {value: unknown; source: string; ref: string}>}[]

before(async () => {
  const {json, code} = await callrecJson(['audit', ARCHIVE, '--now', NOW, '--show-personal'])
  assert.equal(code, 1)
  ;({findings, recordings} = json)
})

const keysOf = (rule: string) =>
  findings
    .filter((finding) => finding.rule === rule)
    .map((finding) => finding.key.split('/').pop())
    .sort()

test('each rule flags exactly the recordings the fixtures table names', () => {
  assert.deepEqual(keysOf('retention-expired'), ['in-0199000001-0639980001-20260514-101500-1778746500.101.wav'])
  assert.deepEqual(keysOf('retention-due-soon'), ['q-500-0639980002-20260610-143000-1781094600.102.wav'])
  assert.deepEqual(keysOf('retention-held'), ['out-0639980003-1002-20260402-163000-1775140200.103.mp3'])
  assert.deepEqual(keysOf('purpose-missing'), ['in-0199000001-0639980005-20261005-100000-1791187200.105.wav', 'voicemail-unknown.wav'])
  assert.deepEqual(keysOf('consent-missing'), [
    'in-0199000001-0639980006-20261005-113000-1791192600.106.mp3',
    'in-0199000001-0639980009-20261007-104000-1791362400.109.opus',
    'out-0639980007-1001-20261005-150000-1791205200.107.mp3',
    'voicemail-unknown.wav',
  ])
  assert.deepEqual(keysOf('caller-objected'), ['in-0199000001-0639980008-20261007-092000-1791357600.108.wav'])
  assert.deepEqual(keysOf('invalid-sidecar'), ['in-0199000001-0639980009-20261007-104000-1791362400.109.opus'])
  assert.deepEqual(keysOf('legal-hold-expired'), ['in-0199000001-0639980010-20260803-151000-1785762600.110.mp3'])
  assert.deepEqual(keysOf('unreadable'), ['in-0199000001-0639980011-20261008-090500-1791443100.111.wav', 'in-0199000001-0639980012-20261008-094500-1791445500.112.wav'])
  assert.deepEqual(keysOf('orphan-sidecar'), ['in-0199000001-0639980013-20261008-110000-1791450000.113.json'])
  assert.deepEqual(keysOf('orphan-cdr'), ['Master.csv:23'])
  assert.deepEqual(keysOf('date-from-mtime'), ['voicemail-unknown.wav'])
  assert.equal(keysOf('not-encrypted').length, recordings.length - 1)
  assert.deepEqual(keysOf('invalid-cdr'), [])
})

test('systematic-recording: agent 1002 recorded on every answered call that day; agent 1001 sampled', () => {
  const systematic = findings.filter((finding) => finding.rule === 'systematic-recording')
  assert.equal(systematic.length, 1)
  assert.equal(systematic[0].key, 'Master.csv')
  assert.match(systematic[0].message, /^agent 1002 on 2026-10-06: 4 of 4 answered calls recorded \(100% > 50%\)$/)
})

test('the encrypted recording joins its CDR row by uniqueid and is not unreadable', () => {
  const sealed = recordings.find((recording) => recording.key.endsWith('.115.wav.age'))!
  assert.equal(sealed.encrypted, true)
  assert.equal(findings.some((finding) => finding.key === sealed.key), false)
})

test('dates come from the strongest source, and say which', () => {
  const byName = (suffix: string) => recordings.find((recording) => recording.key.endsWith(suffix))!
  assert.equal(byName('.101.wav').fields.recordedAt.source, 'sidecar')
  // No recordedAt in this sidecar: the CDR's answer time (Paris) wins over the name.
  const external = byName('.132.mp3').fields
  assert.deepEqual([external.recordedAt.source, external.recordedAt.ref], ['cdr', 'Master.csv:26'])
  const connect = byName('_UTC.wav').fields.recordedAt
  assert.deepEqual([connect.source, connect.value], ['sidecar', '2026-11-02T08:30:00.000Z'])
})

test('a recording with only its name to go by takes its date from the name, in the policy time zone', async () => {
  const {makeArchive, wav} = await import('../helpers.ts')
  const archive = makeArchive({'callrec.yml': 'timezone: Europe/Paris\n', 'monitor/2026/07/01/out-0612345678-1001-20260701-093000-1782891000.7.wav': wav()})
  try {
    const {json} = await callrecJson(['audit', archive.dir, '--now', NOW])
    const {fields} = json.recordings[0]
    assert.deepEqual(fields.recordedAt, {value: '2026-07-01T07:30:00.000Z', source: 'filename', ref: 'filename:freepbx'})
    assert.deepEqual([fields.agent.value, fields.direction.value, fields.callId.value], ['1001', 'outbound', '1782891000.7'])
  } finally {
    archive.cleanup()
  }
})
