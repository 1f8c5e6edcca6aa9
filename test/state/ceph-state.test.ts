// Shared state of an S3 archive on Ceph's RADOS Gateway (Debian radosgw 16, a single-node memstore cluster on
// loopback): a real S3 implementation with versioning and Object Lock, where conditional PUT is honoured on
// unversioned buckets only. The shared state must stay right on both kinds.
import assert from 'node:assert/strict'
import {after, before, test} from 'node:test'
import {PutObjectCommand, S3ServiceException} from '@aws-sdk/client-s3'
import {callrec, callrecJson} from '../helpers.ts'
import {startCeph, type Ceph} from '../store/ceph.ts'
import {host as hostOf, lockHolder, recordings} from './hosts.ts'

let ceph: Ceph
const host = (name: string) => hostOf(name, ceph.env)

before(async () => {
  ceph = await startCeph()
  await ceph.createBucket('plain')
  await ceph.createBucket('versioned', {versioned: true})
  await ceph.createBucket('locked', {lock: true})
}, {timeout: 180_000})
after(() => ceph?.stop())

/** Whether a second PUT with If-None-Match: * on an existing key is refused (412), as AWS does. */
async function honoursIfNoneMatch(bucket: string): Promise<boolean> {
  await ceph.client.send(new PutObjectCommand({Bucket: bucket, Key: 'probe', Body: 'one'}))
  try {
    await ceph.client.send(new PutObjectCommand({Bucket: bucket, Key: 'probe', Body: 'two', IfNoneMatch: '*'}))
    return false
  } catch (error) {
    if ((error as S3ServiceException).$metadata?.httpStatusCode === 412) return true
    throw error
  }
}

test('what docs/s3.md says of this RGW: If-None-Match: * honoured on an unversioned bucket, ignored on versioned and Object Lock ones', async () => {
  assert.equal(await honoursIfNoneMatch('plain'), true)
  assert.equal(await honoursIfNoneMatch('versioned'), false)
  assert.equal(await honoursIfNoneMatch('locked'), false)
})

for (const bucket of ['versioned', 'plain']) {
  test(`two hosts adding holds at once on a ${bucket} bucket: every hold kept, every entry journaled, verify passes`, {timeout: 300_000}, async () => {
    await ceph.put(bucket, recordings(6), 'site/')
    const [hostA, hostB] = [host('host-a'), host('host-b')]
    const add = async (env: Record<string, string>, indexes: number[]) => {
      for (const i of indexes) {
        const result = await callrec(['hold', 'add', `r${i}.wav`, '--archive', `s3://${bucket}/site`, '--reason', `case ${i}`], {env})
        assert.equal(result.code, 0, result.stderr)
      }
    }
    await Promise.all([add(hostA, [0, 2, 4]), add(hostB, [1, 3, 5])])
    const listed = await callrecJson(['hold', 'list', '--archive', `s3://${bucket}/site`], {env: hostB})
    assert.deepEqual(listed.json.holds.map((hold: {id: number}) => hold.id).sort(), [1, 2, 3, 4, 5, 6])
    const verify = await callrecJson(['access-log', 'verify', `s3://${bucket}/site`], {env: hostA})
    assert.equal(verify.code, 0, JSON.stringify(verify.json.problems))
    assert.equal(verify.json.entries, 6)
  })
}

test('the run lock on an Object Lock bucket: of two hosts asking at once one holds it, the other exits 4', {timeout: 120_000}, async () => {
  await ceph.put('locked', recordings(1), 'site/')
  const [hostA, hostB] = [host('host-a'), host('host-b')]
  const holders = [lockHolder(hostA, 's3://locked/site', 'stdin'), lockHolder(hostB, 's3://locked/site', 'stdin')]
  const firsts = await Promise.all(holders.map((holder) => holder.first))
  assert.equal(firsts.filter((line) => line === 'locked').length, 1, firsts.join(' | '))
  for (const holder of holders) holder.release()
  const results = await Promise.all(holders.map((holder) => holder.done))
  assert.deepEqual(results.map((result) => result.code).sort(), [0, 4], results.map((result) => result.output).join(' | '))
  // Free again: a purge (nothing due) runs.
  const purge = await callrec(['purge', 's3://locked/site', '--yes'], {env: hostB})
  assert.equal(purge.code, 0, purge.stderr)
})
