// encrypt on S3 (s3rver on loopback): the .age object keeps the call's date, content type and user metadata.
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'
import {HeadObjectCommand, ListObjectsV2Command, PutObjectCommand} from '@aws-sdk/client-s3'
import {callrecJson, passphraseFile, wav} from '../helpers.ts'
import {startS3rver, type S3rver} from '../store/s3rver.ts'
import {isStateKey} from '../store/s3-client.ts'

let server: S3rver
const secrets = passphraseFile()
const passphrase = secrets.file
before(async () => {
  server = await startS3rver()
})
after(async () => {
  secrets.cleanup()
  await server?.stop()
})

test('a recording dated only by LastModified keeps its date through encrypt (retention-expired still), with its Content-Type and x-amz-meta-*', async () => {
  await server.createBucket('clear')
  await server.client.send(new PutObjectCommand({Bucket: 'clear', Key: 'pbx/call.wav', Body: wav(0.05), ContentType: 'audio/wav', Metadata: {'uploaded-by': 'pbx1', purpose: 'quality'}}))
  const original = await server.client.send(new HeadObjectCommand({Bucket: 'clear', Key: 'pbx/call.wav'}))
  // Two years on, the recording is past its 6 months counted from the object's date.
  const later = new Date(original.LastModified!.getTime() + 2 * 365 * 86_400_000).toISOString()
  const before = await callrecJson(['audit', 's3://clear/pbx', '--now', later], {env: server.env})
  assert.equal(before.code, 1, before.stderr)
  assert.deepEqual(before.json.findings.map((f: {rule: string}) => f.rule).filter((rule: string) => rule.startsWith('retention') || rule === 'date-from-mtime').sort(), ['date-from-mtime', 'retention-expired'])
  // The copy is made later than the original: a second at least, so that a reset date would show.
  await new Promise((resolve) => setTimeout(resolve, 1100))
  const encrypted = await callrecJson(['encrypt', 's3://clear/pbx', '--yes', '--passphrase-file', passphrase], {env: server.env})
  assert.equal(encrypted.code, 0, encrypted.stderr)
  const keys = ((await server.client.send(new ListObjectsV2Command({Bucket: 'clear'}))).Contents ?? []).map((o) => o.Key).filter((key) => !isStateKey(key))
  assert.deepEqual(keys, ['pbx/call.wav.age'], 'the plaintext is gone once the ciphertext was checked')
  const age = await server.client.send(new HeadObjectCommand({Bucket: 'clear', Key: 'pbx/call.wav.age'}))
  assert.equal(age.ContentType, 'audio/wav')
  assert.equal(age.Metadata!['uploaded-by'], 'pbx1')
  assert.equal(age.Metadata!.purpose, 'quality')
  assert.equal(age.Metadata!['callrec-last-modified'], original.LastModified!.toISOString())
  const after = await callrecJson(['audit', 's3://clear/pbx', '--now', later], {env: server.env})
  assert.equal(after.code, 1, after.stderr)
  const recording = after.json.recordings[0]
  assert.equal(recording.encrypted, true)
  assert.equal(recording.modifiedAt, original.LastModified!.toISOString(), 'the original date read back')
  assert.ok(after.json.findings.some((f: {rule: string}) => f.rule === 'retention-expired'))
})
