// purge on S3, against real servers on loopback: Ceph RGW (versioning, delete markers, Object Lock legal hold,
// GOVERNANCE and COMPLIANCE retention) and s3rver (an unversioned bucket).
import assert from 'node:assert/strict'
import {spawn} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtempSync, readFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, before, describe, test} from 'node:test'
import {
  GetObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  PutObjectCommand,
  PutObjectLegalHoldCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3'
import {BIN, callrec, callrecJson, STATE_HOME, wav} from '../helpers.ts'
import {startCeph, type Ceph} from '../store/ceph.ts'
import {isStateKey} from '../store/s3-client.ts'
import {startS3rver, type S3rver} from '../store/s3rver.ts'
import {NOW, OLD, recordings} from './fixtures.ts'

const out = mkdtempSync(path.join(tmpdir(), 'callrec-purge-s3-'))
const sha = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex')

/** Every version and delete marker under `prefix`: `key@id` (a marker as `key@id (marker)`). */
async function versionsUnder(client: S3Client, bucket: string, prefix: string): Promise<{key: string; id: string; marker: boolean}[]> {
  const page = await client.send(new ListObjectVersionsCommand({Bucket: bucket, Prefix: prefix}))
  return [
    ...(page.Versions ?? []).map((v) => ({key: v.Key!.slice(prefix.length), id: v.VersionId!, marker: false})),
    ...(page.DeleteMarkers ?? []).map((m) => ({key: m.Key!.slice(prefix.length), id: m.VersionId!, marker: true})),
  ]
    .filter((version) => !isStateKey(version.key))
    .sort((a, b) => a.key.localeCompare(b.key))
}

async function bytesOf(client: S3Client, bucket: string, key: string): Promise<Buffer> {
  const body = (await client.send(new GetObjectCommand({Bucket: bucket, Key: key}))).Body!
  return Buffer.from(await body.transformToByteArray())
}

describe('purge on Ceph RGW', () => {
  let ceph: Ceph
  before(async () => {
    ceph = await startCeph()
  })
  after(() => ceph?.stop())

  test('a versioned bucket: every version and delete marker of each expired recording and its sidecar goes, with the version ids journaled and certified', async () => {
    await ceph.createBucket('versioned', {versioned: true})
    const files = recordings(3, (i) => i < 2)
    // Two versions of each expired recording: an upload, then a second one.
    await ceph.put('versioned', {'calls/0000.wav': wav(0.02), 'calls/0001.wav': wav(0.03)}, 'pbx/')
    await ceph.put('versioned', files, 'pbx/')
    const current = await bytesOf(ceph.client, 'versioned', 'pbx/calls/0000.wav')
    const before = await versionsUnder(ceph.client, 'versioned', 'pbx/')
    const certificate = path.join(out, 'versioned.json')
    const {code, json, stderr} = await callrecJson(['purge', 's3://versioned/pbx', '--now', NOW, '--yes', '--certificate', certificate], {env: ceph.env})
    assert.equal(code, 0, stderr + JSON.stringify(json))
    const left = await versionsUnder(ceph.client, 'versioned', 'pbx/')
    assert.deepEqual([...new Set(left.map((v) => v.key))], ['calls/0002.json', 'calls/0002.wav'])
    assert.equal(json.result.deleted.length, 2)
    const proof = JSON.parse(readFileSync(certificate, 'utf8'))
    const first = proof.deleted.find((deleted: {key: string}) => deleted.key === 'calls/0000.wav')
    const expectedIds = before.filter((v) => v.key === 'calls/0000.wav').map((v) => v.id).sort()
    assert.deepEqual([...first.files[0].versions].sort(), expectedIds, 'both versions of the recording, by id')
    assert.equal(first.files[0].sha256, sha(current), 'the current version hashed')
    assert.equal(first.sidecar, 'calls/0000.json')
    // The journal entry written before the deletion names the same versions and the ETag (a resumed run checks it).
    const log = await callrecJson(['access-log', 'export', 's3://versioned/pbx'], {env: ceph.env})
    const entry = log.json.entries.find((e: {action: string; keys: string[]}) => e.action === 'purge' && e.keys.includes('calls/0000.wav'))
    assert.deepEqual([...entry.details.files[0].versions].sort(), expectedIds)
    assert.match(entry.details.files[0].etag, /^"[0-9a-f]{32}"$/)
  })

  test('Object Lock: a legal hold, GOVERNANCE and COMPLIANCE retention keep their versions (never bypassed), the rest goes, exit 3', async () => {
    await ceph.createBucket('locked', {lock: true})
    // 0004 has two versions, the older under a legal hold: a lock the scan cannot see (it reads the current version).
    await ceph.put('locked', {'calls/0004.wav': wav(0.02)}, 'pbx/')
    await ceph.put('locked', recordings(5, () => true), 'pbx/')
    const {client} = ceph
    const versions = async (key: string) => (await versionsUnder(client, 'locked', 'pbx/')).filter((v) => v.key === key).map((v) => v.id)
    const until = new Date(Date.now() + 86_400_000)
    const newest = async (key: string) => (await client.send(new ListObjectVersionsCommand({Bucket: 'locked', Prefix: `pbx/${key}`}))).Versions!.find((v) => v.IsLatest)!.VersionId
    const oldest = async (key: string) => (await client.send(new ListObjectVersionsCommand({Bucket: 'locked', Prefix: `pbx/${key}`}))).Versions!.find((v) => !v.IsLatest)!.VersionId
    await client.send(new PutObjectLegalHoldCommand({Bucket: 'locked', Key: 'pbx/calls/0000.wav', VersionId: await newest('calls/0000.wav'), LegalHold: {Status: 'ON'}}))
    await client.send(new PutObjectRetentionCommand({Bucket: 'locked', Key: 'pbx/calls/0001.wav', VersionId: await newest('calls/0001.wav'), Retention: {Mode: 'GOVERNANCE', RetainUntilDate: until}}))
    await client.send(new PutObjectRetentionCommand({Bucket: 'locked', Key: 'pbx/calls/0002.wav', VersionId: await newest('calls/0002.wav'), Retention: {Mode: 'COMPLIANCE', RetainUntilDate: until}}))
    const hidden = await oldest('calls/0004.wav')
    await client.send(new PutObjectLegalHoldCommand({Bucket: 'locked', Key: 'pbx/calls/0004.wav', VersionId: hidden, LegalHold: {Status: 'ON'}}))
    const certificate = path.join(out, 'locked.csv')
    const {code, json, stderr} = await callrecJson(['purge', 's3://locked/pbx', '--now', NOW, '--yes', '--certificate', certificate], {env: ceph.env})
    assert.equal(code, 3, stderr)
    assert.deepEqual(json.result.deleted.map((deleted: {key: string}) => deleted.key), ['calls/0003.wav'])
    // Locks seen by the scan are holds: kept, named, never attempted.
    const held = Object.fromEntries(json.plan.held.sample.map(({key, why}: {key: string; why: string}) => [key, why]))
    assert.match(held['calls/0000.wav'], /S3 Object Lock legal hold/)
    assert.match(held['calls/0001.wav'], /S3 Object Lock GOVERNANCE retention/)
    assert.match(held['calls/0002.wav'], /S3 Object Lock COMPLIANCE retention/)
    // The lock on an older version is met at deletion: the other version goes, that one stays, named with its lock.
    assert.deepEqual(json.result.failed.map(({key}: {key: string}) => key), ['calls/0004.wav'])
    assert.match(json.result.failed[0].error, new RegExp(`1 of 2 versions not deleted \\(${hidden.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Object Lock legal hold\\)`))
    assert.deepEqual(await versions('calls/0004.wav'), [hidden])
    assert.equal((await versions('calls/0004.json')).length, 1, 'its sidecar is kept with it')
    for (const key of ['calls/0000.wav', 'calls/0001.wav', 'calls/0002.wav', 'calls/0000.json', 'calls/0001.json', 'calls/0002.json']) assert.equal((await versions(key)).length, 1, key)
    assert.deepEqual(await versions('calls/0003.wav'), [])
    assert.match(readFileSync(certificate, 'utf8'), /calls\/0003\.wav/)
    // The journal says it: the failed deletion undoes its entry.
    const log = await callrecJson(['access-log', 'export', 's3://locked/pbx'], {env: ceph.env})
    const purges = log.json.entries.filter((entry: {action: string}) => entry.action === 'purge')
    assert.deepEqual(purges.map((entry: {outcome: string}) => entry.outcome).sort(), ['failed', 'ok', 'ok'])
  })

  test('--versions current deletes the current version only; the older one stays, and is what the bucket shows next', async () => {
    await ceph.createBucket('current', {versioned: true})
    const older = wav(0.02)
    await ceph.put('current', {'calls/0000.wav': older}, 'pbx/')
    await ceph.put('current', recordings(1, () => true), 'pbx/')
    const {code, json, stderr} = await callrecJson(['purge', 's3://current/pbx', '--now', NOW, '--yes', '--versions', 'current'], {env: ceph.env})
    assert.equal(code, 0, stderr)
    assert.equal(json.result.deleted[0].files[0].versions.length, 1)
    const left = await versionsUnder(ceph.client, 'current', 'pbx/')
    assert.deepEqual(left.map((v) => v.key), ['calls/0000.wav'], 'the older version of the recording; the sidecar had one version')
    assert.deepEqual(await bytesOf(ceph.client, 'current', 'pbx/calls/0000.wav'), older)
  })

  test('a bucket whose versioning cannot be read is refused before the scan and before any prompt (exit 2), the dry run included', async () => {
    await ceph.createBucket('opaque')
    await ceph.put('opaque', recordings(1, () => true))
    const {PutBucketPolicyCommand} = await import('@aws-sdk/client-s3')
    const policy = {Version: '2012-10-17', Statement: [{Effect: 'Deny', Principal: '*', Action: 's3:GetBucketVersioning', Resource: 'arn:aws:s3:::opaque'}]}
    await ceph.client.send(new PutBucketPolicyCommand({Bucket: 'opaque', Policy: JSON.stringify(policy)}))
    for (const args of [['--yes'], ['--dry-run'], []]) {
      const {code, stdout, stderr} = await callrec(['purge', 's3://opaque', '--now', NOW, ...args], {env: ceph.env})
      assert.equal(code, 2, stderr)
      assert.match(stderr, new RegExp(`s3://opaque \\(endpoint ${ceph.endpoint}\\): cannot tell whether the bucket keeps old versions`))
      assert.doesNotMatch(stdout, /to delete/, 'no plan: nothing was scanned')
    }
    const listed = await ceph.client.send(new ListObjectsV2Command({Bucket: 'opaque'}))
    assert.equal(listed.KeyCount, 2)
  })
})

describe('purge on s3rver (no versioning)', () => {
  let server: S3rver
  before(async () => {
    server = await startS3rver()
  })
  after(() => server?.stop())

  test('deletes what is past retention with its sidecar, journals size and SHA-256, keeps the rest; --dry-run deletes nothing', async () => {
    await server.createBucket('plain')
    const files = recordings(3, (i) => i < 2)
    await server.put('plain', files, 'site/')
    const keys = async () => ((await server.client.send(new ListObjectsV2Command({Bucket: 'plain', Prefix: 'site/'}))).Contents ?? []).map((o) => o.Key!.slice(5)).filter((key) => !isStateKey(key)).sort()
    const all = await keys()
    const dry = await callrecJson(['purge', 's3://plain/site', '--now', NOW, '--dry-run'], {env: server.env})
    assert.equal(dry.code, 0, dry.stderr)
    assert.equal(dry.json.plan.recordings, 2)
    assert.deepEqual(await keys(), all)
    const {code, json, stderr} = await callrecJson(['purge', 's3://plain/site', '--now', NOW, '--yes'], {env: server.env})
    assert.equal(code, 0, stderr)
    assert.deepEqual(await keys(), ['calls/0002.json', 'calls/0002.wav'])
    const deleted = json.result.deleted.find((d: {key: string}) => d.key === 'calls/0000.wav')
    assert.equal(deleted.files[0].sha256, sha(files['calls/0000.wav'] as Buffer))
    assert.equal(deleted.files[0].versions, undefined)
    // A second run finds nothing more to do.
    const again = await callrecJson(['purge', 's3://plain/site', '--now', NOW, '--yes'], {env: server.env})
    assert.equal(again.code, 0, again.stderr)
    assert.equal(again.json.plan.recordings, 0)
  })

  test('SIGKILL in the middle of the deletions, then a rerun: no object gone without its journal entry, nothing held or recent touched', async () => {
    await server.createBucket('crash')
    const count = 60
    const expired = (i: number) => i % 3 !== 0
    await server.put('crash', recordings(count, expired, (i) => (i === 4 ? {legalHold: {reason: 'court order'}} : {})))
    const wavs = async () => new Set(((await server.client.send(new ListObjectsV2Command({Bucket: 'crash'}))).Contents ?? []).map((o) => o.Key!).filter((k) => k.endsWith('.wav')))
    const all = await wavs()
    // Killed once some recordings are gone (batches of 5: the entries of a batch are written before its deletions).
    const child = spawn(process.execPath, [BIN, 'purge', 's3://crash', '--now', NOW, '--yes', '--batch', '5'], {stdio: 'ignore', env: {...process.env, XDG_STATE_HOME: STATE_HOME, ...server.env}})
    const exited = new Promise((resolve) => child.once('exit', resolve))
    // One listing at a time: a flood of them would slow the purge it watches.
    while (child.exitCode === null && child.signalCode === null) {
      if ((await wavs()).size <= all.size - 12) child.kill('SIGKILL')
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    await exited
    const journaled = async () => {
      const log = await callrecJson(['access-log', 'export', 's3://crash'], {env: server.env})
      const entries: {action: string; outcome: string; seq: number; keys: string[]; details: {undoes?: number}}[] = log.json.entries
      const undone = new Set(entries.filter((e) => e.outcome === 'failed').map((e) => e.details.undoes))
      return new Set(entries.filter((e) => e.action === 'purge' && e.outcome === 'ok' && !undone.has(e.seq)).flatMap((e) => e.keys))
    }
    const check = async () => {
      const left = await wavs()
      const entries = await journaled()
      for (let i = 0; i < count; i++) {
        const key = `calls/${String(i).padStart(4, '0')}.wav`
        if (!expired(i) || i === 4) assert.ok(left.has(key), `${key} is recent or held, yet gone`)
        else if (!left.has(key)) assert.ok(entries.has(key), `${key} is gone without a journal entry`)
      }
      return left
    }
    const killed = await check()
    assert.ok(killed.size < all.size && killed.size > count / 3 + 1, `killed mid-run (${killed.size} of ${all.size} left)`)
    const rerun = await callrecJson(['purge', 's3://crash', '--now', NOW, '--yes'], {env: server.env})
    assert.equal(rerun.code, 0, rerun.stderr)
    assert.equal((await check()).size, count / 3 + 1, 'every expired recording gone but the held one')
  })

  test('a prefix with its own callrec.yml is another archive: said by the audit, left alone by purge, though its keys sort before its policy', async () => {
    await server.createBucket('outer')
    // pbx2/a/0000.wav and pbx2/0000.wav sort before pbx2/callrec.yml: the listing meets them first.
    await server.put('outer', {...recordings(1, () => true), 'pbx2/callrec.yml': 'timezone: Europe/Paris\n', 'pbx2/0000.wav': wav(0.05), 'pbx2/0000.json': {recordedAt: OLD, purpose: 'quality', noticePlayed: true}})
    await server.put('outer', recordings(1, () => true), 'pbx2/a/')
    const audit = await callrecJson(['audit', 's3://outer', '--now', NOW], {env: server.env})
    assert.deepEqual(audit.json.findings.filter((f: {rule: string}) => f.rule === 'nested-archive').map((f: {key: string}) => f.key), ['pbx2'])
    assert.deepEqual(audit.json.recordings.map((r: {key: string}) => r.key), ['calls/0000.wav'])
    const {code, json, stderr} = await callrecJson(['purge', 's3://outer', '--now', NOW, '--yes'], {env: server.env})
    assert.equal(code, 0, stderr)
    assert.deepEqual(json.result.deleted.map((d: {key: string}) => d.key), ['calls/0000.wav'])
    const left = ((await server.client.send(new ListObjectsV2Command({Bucket: 'outer'}))).Contents ?? []).map((o) => o.Key!).filter((key) => !isStateKey(key)).sort()
    assert.deepEqual(left, ['pbx2/0000.json', 'pbx2/0000.wav', 'pbx2/a/calls/0000.json', 'pbx2/a/calls/0000.wav', 'pbx2/callrec.yml'])
  })
})
