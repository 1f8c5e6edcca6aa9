// Every rule: a recording that trips it and one that does not, in one archive audited once by the real CLI.
import assert from 'node:assert/strict'
import {symlinkSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {Encrypter, generateX25519Identity, identityToRecipient} from 'age-encryption'
import {callrecJson, makeArchive, NOW, wav} from '../helpers.ts'

const POLICY = `
timezone: Europe/Paris
purposes:
  quality: {retention: 6 months}
  proof-of-contract: {retention: 2 years, reference: Code civil 1353}
encryption: {required: true}
dueSoon: 30 days
`
const ok = {recordedAt: '2026-10-01T10:00:00+02:00', purpose: 'quality', noticePlayed: true}
const FILES = {
  'callrec.yml': POLICY,
  'clean.wav': wav(),
  'clean.json': ok,
  'expired.wav': wav(),
  'expired.json': {...ok, recordedAt: '2026-04-01T10:00:00+02:00'},
  'due-soon.wav': wav(),
  'due-soon.json': {...ok, recordedAt: '2026-06-10T10:00:00+02:00'},
  'held.wav': wav(),
  'held.json': {...ok, recordedAt: '2025-01-01T10:00:00+01:00', legalHold: {reason: 'case 42', since: '2025-06-01'}},
  'hold-ended.wav': wav(),
  'hold-ended.json': {...ok, legalHold: {reason: 'case 7', since: '2026-01-01', until: '2026-11-01'}},
  'no-purpose.wav': wav(),
  'no-purpose.json': {...ok, purpose: undefined},
  'unknown-purpose.wav': wav(),
  'unknown-purpose.json': {...ok, purpose: 'just-in-case'},
  'no-notice.wav': wav(),
  'no-notice.json': {...ok, noticePlayed: false},
  'notice-unknown.wav': wav(),
  'notice-unknown.json': {...ok, noticePlayed: undefined},
  'objected.wav': wav(),
  'objected.json': {...ok, callerObjected: true},
  'not-objected.wav': wav(),
  'not-objected.json': {...ok, callerObjected: false},
  'garbage.wav': 'this is not audio\n',
  'bad-sidecar.wav': wav(),
  'bad-sidecar.json': {...ok, noticePlayed: 'yes', recordedAt: '2026-10-01 10:00'},
  'extra-field.wav': wav(),
  'extra-field.json': {...ok, screenCapture: 'x.png'},
  'no-date.wav': wav(),
  'lonely.json': ok,
}

let archive: ReturnType<typeof makeArchive>
let findings: {rule: string; severity: string; key: string; message: string}[]
let recordings: {key: string; encrypted: boolean; fields: Record<string, {value: unknown; source: string}>}[]

async function ageEncrypt(bytes: Uint8Array): Promise<Buffer> {
  const encrypter = new Encrypter()
  encrypter.addRecipient(await identityToRecipient(await generateX25519Identity()))
  return Buffer.from(await encrypter.encrypt(bytes))
}

before(async () => {
  archive = makeArchive({...FILES, 'sealed.wav.age': await ageEncrypt(wav()), 'sealed.json': ok})
  symlinkSync('/etc/hostname', path.join(archive.dir, 'escape.wav'))
  const {json, code} = await callrecJson(['audit', archive.dir, '--now', NOW])
  assert.equal(code, 1, 'errors found: exit 1')
  findings = json.findings
  recordings = json.recordings
})
after(() => archive.cleanup())

const of = (rule: string, key: string) => findings.filter((finding) => finding.rule === rule && finding.key === key)
function trips(rule: string, key: string, severity?: string) {
  const found = of(rule, key)
  assert.equal(found.length, 1, `${rule} should flag ${key}: ${JSON.stringify(findings.filter((f) => f.key === key))}`)
  if (severity) assert.equal(found[0].severity, severity)
  return found[0]
}
const spares = (rule: string, key: string) => assert.deepEqual(of(rule, key), [], `${rule} should not flag ${key}`)

test('clean recording has no findings but not-encrypted', () => {
  assert.deepEqual(findings.filter((f) => f.key === 'clean.wav').map((f) => f.rule), ['not-encrypted'])
})

test('retention-expired counts from the call date', () => {
  const finding = trips('retention-expired', 'expired.wav', 'error')
  assert.match(finding.message, /ended 2026-10-01/)
  spares('retention-expired', 'clean.wav')
  spares('retention-expired', 'due-soon.wav')
})

test('retention-due-soon within the window', () => {
  assert.match(trips('retention-due-soon', 'due-soon.wav', 'warning').message, /ends 2026-12-10/)
  spares('retention-due-soon', 'clean.wav')
  spares('retention-due-soon', 'expired.wav')
})

test('a held recording is never retention-expired, it gets an info finding', () => {
  spares('retention-expired', 'held.wav')
  assert.match(trips('retention-held', 'held.wav', 'info').message, /case 42/)
  spares('retention-held', 'expired.wav')
})

test('legal-hold-expired flags a hold past its end', () => {
  assert.match(trips('legal-hold-expired', 'hold-ended.wav', 'warning').message, /ended 2026-11-01/)
  spares('legal-hold-expired', 'held.wav')
})

test('purpose-missing: none, or one the policy does not define', () => {
  assert.match(trips('purpose-missing', 'no-purpose.wav', 'error').message, /no purpose/)
  assert.match(trips('purpose-missing', 'unknown-purpose.wav', 'error').message, /"just-in-case".*not defined/)
  spares('purpose-missing', 'clean.wav')
})

test('consent-missing says whether the notice was refused or unknown', () => {
  assert.match(trips('consent-missing', 'no-notice.wav', 'error').message, /not informed \(noticePlayed: false/)
  assert.match(trips('consent-missing', 'notice-unknown.wav', 'warning').message, /unknown whether/)
  spares('consent-missing', 'clean.wav')
})

test('caller-objected', () => {
  trips('caller-objected', 'objected.wav', 'error')
  spares('caller-objected', 'not-objected.wav')
})

test('not-encrypted when the policy requires encryption', () => {
  trips('not-encrypted', 'clean.wav', 'error')
  spares('not-encrypted', 'sealed.wav.age')
  const sealed = recordings.find((r) => r.key === 'sealed.wav.age')!
  assert.equal(sealed.encrypted, true)
  // An encrypted recording is not unreadable: its facts come from the sidecar.
  assert.deepEqual(findings.filter((f) => f.key === 'sealed.wav.age'), [])
  assert.equal(sealed.fields.purpose.source, 'sidecar')
})

test('unreadable: not audio, and a symlink out of the root is reported, not followed', () => {
  assert.match(trips('unreadable', 'garbage.wav').message, /not a recognised audio format/)
  assert.match(trips('unreadable', 'escape.wav').message, /outside the archive root: not followed/)
  spares('unreadable', 'clean.wav')
  assert.equal(recordings.some((r) => r.key === 'escape.wav'), false)
})

test('date-from-mtime when no source gives the call date', () => {
  trips('date-from-mtime', 'no-date.wav', 'warning')
  spares('date-from-mtime', 'clean.wav')
  assert.equal(recordings.find((r) => r.key === 'no-date.wav')!.fields.recordedAt.source, 'mtime')
})

test('invalid-sidecar names each bad field; unknown fields are listed as info and not kept', () => {
  const bad = of('invalid-sidecar', 'bad-sidecar.wav')
  assert.deepEqual(bad.map((f) => f.severity), ['error', 'error'])
  assert.match(bad.map((f) => f.message).join('\n'), /noticePlayed: expected boolean, got "yes"/)
  assert.match(bad.map((f) => f.message).join('\n'), /recordedAt: not an ISO 8601 date-time with an offset/)
  const extra = trips('invalid-sidecar', 'extra-field.wav', 'info')
  assert.match(extra.message, /screenCapture: not a field callrec knows/)
  assert.equal('screenCapture' in recordings.find((r) => r.key === 'extra-field.wav')!.fields, false)
  spares('invalid-sidecar', 'clean.wav')
  // The valid fields of a sidecar with a bad one are still used.
  assert.equal(recordings.find((r) => r.key === 'bad-sidecar.wav')!.fields.purpose.value, 'quality')
})

test('orphan-sidecar: a sidecar without its recording', () => {
  trips('orphan-sidecar', 'lonely.json', 'warning')
  spares('orphan-sidecar', 'clean.json')
})
