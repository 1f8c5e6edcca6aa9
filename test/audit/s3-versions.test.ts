// What S3 keeps beyond the current objects, against Ceph RGW on loopback: older versions and delete markers,
// Object Lock (legal hold, COMPLIANCE retention) as holds, an archive storage class, user metadata and tags.
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'
import {DeleteObjectCommand, ListObjectVersionsCommand, PutObjectCommand, PutObjectLegalHoldCommand, PutObjectRetentionCommand, PutObjectTaggingCommand} from '@aws-sdk/client-s3'
import {maskKey} from '../../src/output/personal.js'
import {callrecJson, passphraseFile, wav} from '../helpers.ts'
import {NOW, OLD, recordings, RECENT} from '../purge/fixtures.ts'
import {startCeph, type Ceph} from '../store/ceph.ts'
import {isStateKey} from '../store/s3-client.ts'

let ceph: Ceph
before(async () => {
  ceph = await startCeph()
})
after(() => ceph?.stop())

type Finding = {rule: string; key: string; message: string; severity: string}
const byKey = (findings: Finding[], key: string) => findings.filter((finding) => finding.key === key).map((finding) => finding.rule).sort()

test('a versioned bucket: older versions and delete-marked recordings are stored recordings, judged by the same rules (noncurrent-version)', async () => {
  await ceph.createBucket('history', {versioned: true})
  await ceph.put('history', {'calls/0000.wav': wav(0.02), 'calls/0002.wav': wav(0.02)})
  await ceph.put('history', recordings(3, (i) => i < 2))
  // Another tool "deleted" 0001 and its sidecar: delete markers on top, the data still there.
  await ceph.client.send(new DeleteObjectCommand({Bucket: 'history', Key: 'calls/0001.wav'}))
  await ceph.client.send(new DeleteObjectCommand({Bucket: 'history', Key: 'calls/0001.json'}))
  const {code, json, stderr} = await callrecJson(['audit', 's3://history', '--now', NOW], {env: ceph.env})
  assert.equal(code, 1, stderr)
  assert.deepEqual(json.recordings.map((recording: {key: string}) => recording.key).sort(), ['calls/0000.wav', 'calls/0001.wav', 'calls/0002.wav'])
  const findings: Finding[] = json.findings
  assert.ok(byKey(findings, 'calls/0000.wav').includes('noncurrent-version'))
  assert.match(findings.find((f) => f.key === 'calls/0000.wav' && f.rule === 'noncurrent-version')!.message, /1 older version\(s\) still stored/)
  const marked = json.recordings.find((recording: {key: string}) => recording.key === 'calls/0001.wav')
  assert.equal(marked.stored.deleteMarked, true)
  assert.equal(marked.fields.recordedAt.source, 'sidecar', 'the delete-marked sidecar is read from its newest version')
  assert.ok(byKey(findings, 'calls/0001.wav').includes('retention-expired'))
  assert.match(findings.find((f) => f.key === 'calls/0001.wav' && f.rule === 'noncurrent-version')!.message, /deleted with a delete marker, yet its data is still stored/)
  assert.ok(!byKey(findings, 'calls/0002.wav').includes('noncurrent-version'), 'not past retention: older versions are no breach yet')

  // purge removes the delete-marked recording too: every version and marker of it and its sidecar.
  const purge = await callrecJson(['purge', 's3://history', '--now', NOW, '--yes'], {env: ceph.env})
  assert.equal(purge.code, 0, purge.stderr)
  const left = await ceph.client.send(new ListObjectVersionsCommand({Bucket: 'history'}))
  const keys = [...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])].map((v) => v.Key).filter((key) => !isStateKey(key)).sort()
  assert.deepEqual(keys, ['calls/0002.json', 'calls/0002.wav', 'calls/0002.wav'])
})

test('Object Lock legal hold and retention are holds: no retention-expired, lock-outlasts-retention warns, purge leaves them out of its plan', async () => {
  await ceph.createBucket('locks', {lock: true})
  await ceph.put('locks', recordings(3, (i) => i < 2))
  const until = new Date(Date.parse(NOW) + 30 * 86_400_000)
  const future = new Date(Date.now() + 86_400_000)
  await ceph.client.send(new PutObjectLegalHoldCommand({Bucket: 'locks', Key: 'calls/0000.wav', LegalHold: {Status: 'ON'}}))
  await ceph.client.send(new PutObjectRetentionCommand({Bucket: 'locks', Key: 'calls/0001.wav', Retention: {Mode: 'COMPLIANCE', RetainUntilDate: future > until ? future : until}}))
  const {code, json, stderr} = await callrecJson(['audit', 's3://locks', '--now', NOW], {env: ceph.env})
  assert.equal(code, 0, stderr)
  const findings: Finding[] = json.findings
  assert.deepEqual(byKey(findings, 'calls/0000.wav'), ['lock-outlasts-retention', 'retention-held'])
  assert.deepEqual(byKey(findings, 'calls/0001.wav'), ['lock-outlasts-retention', 'retention-held'])
  assert.match(findings.find((f) => f.key === 'calls/0000.wav' && f.rule === 'lock-outlasts-retention')!.message, /an Object Lock legal hold keeps it: S3 would refuse its deletion/)
  assert.match(findings.find((f) => f.key === 'calls/0001.wav' && f.rule === 'lock-outlasts-retention')!.message, /Object Lock COMPLIANCE retention until \d{4}-\d\d-\d\d/)
  const held = json.recordings.find((recording: {key: string}) => recording.key === 'calls/0000.wav')
  assert.deepEqual(held.fields.legalHold, {value: {reason: 'S3 Object Lock legal hold'}, source: 'object-lock', ref: 'x-amz-object-lock-legal-hold'})
  const plan = await callrecJson(['purge', 's3://locks', '--now', NOW, '--dry-run'], {env: ceph.env})
  assert.equal(plan.json.plan.recordings, 0, plan.stderr)
})

test('an object in GLACIER is not read: dated by its name, an info finding says so, and purge deletes it like any other', async () => {
  await ceph.createBucket('cold', {versioned: true})
  const name = 'calls/out-0612345678-1001-20250110-093000-1736497800.5.wav'
  await ceph.client.send(new PutObjectCommand({Bucket: 'cold', Key: name, Body: wav(0.05), StorageClass: 'GLACIER'}))
  await ceph.put('cold', {[name.replace(/\.wav$/, '.json')]: {purpose: 'quality', noticePlayed: true}})
  const {code, json, stderr} = await callrecJson(['audit', 's3://cold', '--now', NOW], {env: ceph.env})
  assert.equal(code, 1, stderr)
  // The caller's number in the key is masked, as in every output without --show-personal.
  assert.deepEqual(byKey(json.findings, maskKey(name)), ['archived-not-read', 'retention-expired'])
  assert.ok(!stderr.includes('0612345678') && !JSON.stringify(json).includes('0612345678'))
  const recording = json.recordings[0]
  assert.equal(recording.audio, undefined, 'no header read')
  assert.equal(recording.stored.archived, 'GLACIER')
  assert.equal(recording.fields.recordedAt.source, 'filename')
  const purge = await callrecJson(['purge', 's3://cold', '--now', NOW, '--yes'], {env: ceph.env})
  assert.equal(purge.code, 0, purge.stderr)
  const file = purge.json.result.deleted[0].files[0]
  assert.equal(file.storageClass, 'GLACIER')
  assert.equal(file.sha256, undefined, 'not read, so not hashed: the ETag stands in')
  assert.match(file.etag, /^"[0-9a-f]{32}"$/)
  const left = await ceph.client.send(new ListObjectVersionsCommand({Bucket: 'cold'}))
  assert.equal([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])].filter((v) => !isStateKey(v.Key)).length, 0)
})

test('x-amz-meta-* is a metadata source read from the same GET; object tags only when the policy lists object-tags', async () => {
  await ceph.createBucket('meta')
  await ceph.client.send(new PutObjectCommand({Bucket: 'meta', Key: 'a.wav', Body: wav(0.05), Metadata: {'recorded-at': OLD, purpose: 'quality', 'uploaded-by': 'pbx'}}))
  await ceph.client.send(new PutObjectCommand({Bucket: 'meta', Key: 'b.wav', Body: wav(0.05)}))
  await ceph.client.send(new PutObjectTaggingCommand({Bucket: 'meta', Key: 'b.wav', Tagging: {TagSet: [{Key: 'recordedAt', Value: RECENT}, {Key: 'purpose', Value: 'quality'}]}}))
  const {json, stderr} = await callrecJson(['audit', 's3://meta', '--now', NOW], {env: ceph.env})
  const a = json.recordings.find((recording: {key: string}) => recording.key === 'a.wav')
  assert.equal(a.fields.recordedAt.source, 'object-metadata', stderr)
  assert.equal(a.fields.recordedAt.ref, 'x-amz-meta-recorded-at')
  assert.equal(a.fields.recordedAt.value, new Date(OLD).toISOString())
  assert.equal(a.fields.purpose.value, 'quality')
  assert.ok(byKey(json.findings, 'a.wav').includes('retention-expired'))
  const b = json.recordings.find((recording: {key: string}) => recording.key === 'b.wav')
  assert.equal(b.fields.recordedAt.source, 'mtime', 'tags are not read unless the policy lists them')
  await ceph.put('meta', {'callrec.yml': 'sources: [sidecar, object-metadata, object-tags, filename]\n'})
  const tagged = await callrecJson(['audit', 's3://meta', '--now', NOW], {env: ceph.env})
  const b2 = tagged.json.recordings.find((recording: {key: string}) => recording.key === 'b.wav')
  assert.equal(b2.fields.recordedAt.source, 'object-tags', tagged.stderr)
  assert.equal(b2.fields.recordedAt.ref, 'tag:recordedAt')
})

test('encrypt in a versioned bucket: every plaintext version goes once the ciphertext is written and checked', async () => {
  await ceph.createBucket('sealed', {versioned: true})
  await ceph.put('sealed', {'a.wav': wav(0.02)})
  await ceph.put('sealed', {'a.wav': wav(0.05)})
  const secrets = passphraseFile()
  try {
    const {code, stderr} = await callrecJson(['encrypt', 's3://sealed', '--yes', '--passphrase-file', secrets.file], {env: ceph.env})
    assert.equal(code, 0, stderr)
  } finally {
    secrets.cleanup()
  }
  const left = await ceph.client.send(new ListObjectVersionsCommand({Bucket: 'sealed'}))
  assert.deepEqual([...(left.Versions ?? []), ...(left.DeleteMarkers ?? [])].map((v) => v.Key).filter((key) => !isStateKey(key)), ['a.wav.age'])
})
