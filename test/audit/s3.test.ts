// An archive in an S3 bucket, against a real S3-compatible server (s3rver) on loopback: the audit, and the register's storage facts.
import assert from 'node:assert/strict'
import {readdirSync, readFileSync} from 'node:fs'
import path from 'node:path'
import {after, before, test} from 'node:test'
import {callrec, callrecJson, makeArchive, NOW, ROOT, wav, type ArchiveFiles} from '../helpers.ts'
import {startS3rver, type S3rver} from '../store/s3rver.ts'

let server: S3rver
const EXAMPLE = path.join(ROOT, 'fixtures', 'archive')

/** Every file under `dir`, keyed by its path relative to it. */
function filesOf(dir: string, prefix = ''): ArchiveFiles {
  const files: ArchiveFiles = {}
  for (const entry of readdirSync(dir, {withFileTypes: true})) {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) Object.assign(files, filesOf(full, `${prefix}${entry.name}/`))
    else files[prefix + entry.name] = readFileSync(full)
  }
  return files
}

before(async () => {
  server = await startS3rver()
  await server.createBucket('calls')
  await server.put('calls', filesOf(EXAMPLE), 'site-a/')
  // A sibling whose name starts like the prefix: not part of s3://calls/site-a.
  await server.put('calls', {'x.wav': wav(), 'callrec.yml': 'nonsense: [\n'}, 'site-ab/')
})
after(() => server?.stop())

/** What does not depend on where the bytes are: the file dates (mtime vs LastModified) left out. */
function comparable(json: {summary: object; recordings: {modifiedAt: string; fields: {recordedAt?: {source: string; value?: string}}}[]; findings: {rule: string; message: string; data?: object}[]}) {
  const {archive, policy, policyFile, ...summary} = json.summary as Record<string, unknown>
  return {
    summary,
    recordings: json.recordings.map(({modifiedAt, ...recording}) => {
      if (recording.fields.recordedAt?.source === 'mtime') delete recording.fields.recordedAt.value
      return recording
    }),
    findings: json.findings.map((finding) => (finding.rule === 'date-from-mtime' ? {...finding, message: finding.message.replace(/\d{4}-\d\d-\d\d$/, 'DATE'), data: {mtime: 'DATE'}} : finding)),
  }
}

test('the example archive audited in S3 gives the same recordings and findings as on disk', async () => {
  const local = await callrecJson(['audit', EXAMPLE, '--now', NOW])
  const s3 = await callrecJson(['audit', 's3://calls/site-a', '--now', NOW], {env: server.env})
  assert.equal(s3.code, local.code, s3.stderr)
  assert.equal(s3.json.summary.archive, 's3://calls/site-a')
  assert.equal(s3.json.summary.policy, 's3://calls/site-a/callrec.yml')
  assert.ok(s3.json.summary.recordings > 20)
  assert.deepEqual(comparable(s3.json), comparable(local.json))
})

test('more than one page of listing: every recording once, every sidecar paired across page boundaries', async () => {
  const files: ArchiveFiles = {'callrec.yml': 'timezone: UTC\n', 'a/+first.wav': wav(0.1)}
  const sidecar = {recordedAt: '2026-10-01T10:00:00Z', purpose: 'quality', noticePlayed: true}
  // Subfolders sort among a/'s own files, even between a recording and its sidecar (a/call-0300.json,
  // a/call-0300.old/, a/call-0300.wav): a folder's files are not contiguous in a flat listing.
  for (const folder of ['a/', 'a/b/', 'a/b/c/', 'a/call-0300.old/', 'a/z/']) Object.assign(files, {[`${folder}sub.wav`]: wav(0.1), [`${folder}sub.json`]: sidecar})
  for (let i = 0; i < 600; i++) Object.assign(files, {[`a/call-${String(i).padStart(4, '0')}.wav`]: wav(0.1), [`a/call-${String(i).padStart(4, '0')}.json`]: sidecar})
  assert.ok(Object.keys(files).length > 1200, 'more than one page of 1000 keys')
  await server.createBucket('many')
  await server.put('many', files)

  const {json, code, stderr} = await callrecJson(['audit', 's3://many', '--now', NOW], {env: server.env})
  assert.equal(code, 1, stderr) // not encrypted
  const keys = json.recordings.map((recording: {key: string}) => recording.key)
  assert.equal(keys.length, 606)
  assert.equal(new Set(keys).size, 606)
  const unpaired = json.recordings.filter((recording: {key: string; sidecarKey?: string}) => recording.key !== 'a/+first.wav' && recording.sidecarKey !== recording.key.replace(/\.wav$/, '.json'))
  assert.deepEqual(unpaired, [])
  assert.deepEqual(
    json.findings.filter((finding: {rule: string}) => finding.rule !== 'not-encrypted' && finding.key !== 'a/+first.wav'),
    [],
  )
})

test('a missing bucket, a broken policy or an unreachable server: exit 2 and one line', async () => {
  const missing = await callrec(['audit', 's3://no-such-bucket/x', '--now', NOW], {env: server.env})
  assert.equal(missing.code, 2)
  assert.equal(missing.stderr, `callrec: s3://no-such-bucket (endpoint ${server.endpoint}): no such bucket\n`)
  assert.equal(missing.stdout, '')
  const missingJson = await callrecJson(['audit', 's3://no-such-bucket'], {env: server.env})
  assert.equal(missingJson.json.error.exitCode, 2)

  const broken = await callrec(['audit', 's3://calls/site-ab', '--now', NOW], {env: server.env})
  assert.equal(broken.code, 2)
  assert.match(broken.stderr, /^callrec: s3:\/\/calls\/site-ab\/callrec\.yml:\d+: invalid YAML/)
  assert.equal(broken.stderr.split('\n').length, 2, 'one line')

  const unreachable = await callrec(['audit', 's3://calls', '--now', NOW], {env: {...server.env, CALLREC_S3_ENDPOINT: 'http://127.0.0.1:1'}})
  assert.equal(unreachable.code, 2)
  assert.match(unreachable.stderr, /^callrec: s3:\/\/calls \(endpoint http:\/\/127\.0\.0\.1:1\): .*ECONNREFUSED.*\n$/)
})

test('--policy gives a local policy to an S3 archive', async () => {
  const policy = makeArchive({'policy.yml': 'timezone: UTC\ndefaults:\n  purpose: quality\n'})
  try {
    const file = path.join(policy.dir, 'policy.yml')
    const {json, stderr} = await callrecJson(['audit', 's3://calls/site-ab', '--policy', file, '--now', NOW], {env: server.env})
    assert.equal(json.summary.policy, file, stderr)
    assert.deepEqual(
      json.recordings.map((recording: {key: string; fields: {purpose: {value: string; source: string}}}) => [recording.key, recording.fields.purpose]),
      [['x.wav', {value: 'quality', source: 'policy', ref: 'policy defaults.purpose'}]],
    )
  } finally {
    policy.cleanup()
  }
})

test('report register on an S3-compatible server does not take its region for a place: it asks for storage.country', async () => {
  const {json, stderr} = await callrecJson(['report', 'register', 's3://calls/site-a', '--now', NOW, '--lang', 'en'], {env: server.env})
  // s3rver puts every bucket in us-east-1, wherever it runs.
  assert.deepEqual(json.facts?.storage, {location: 's3://calls/site-a', region: server.endpoint, needsCountry: true}, stderr)
})
