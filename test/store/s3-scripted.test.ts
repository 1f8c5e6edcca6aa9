// What s3rver cannot show (versioning, Object Lock, 416 on empty objects, keys that are no path), with a scripted
// client: the requests S3Store makes and how it reads the answers, as the S3 API documents them.
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {S3ServiceException, type S3Client} from '@aws-sdk/client-s3'
import {S3Store} from '../../src/store/s3.ts'
import type {StoreFolder} from '../../src/store/types.ts'

type Input = Record<string, unknown>

/** A client that answers each command (by name, without "Command") from a script, and records what was sent. */
function scripted(script: Record<string, (input: Input) => unknown>) {
  const sent: {command: string; input: Input}[] = []
  const client = {
    send: async (command: {input: Input}) => {
      const name = command.constructor.name.replace(/Command$/, '')
      sent.push({command: name, input: command.input})
      if (!script[name]) throw new Error(`unexpected ${name}`)
      return script[name](command.input)
    },
  }
  const store = new S3Store({bucket: 'calls', prefix: 'root/', client: client as unknown as S3Client})
  const inputs = (command: string) => sent.filter((request) => request.command === command).map((request) => request.input)
  return {store, inputs}
}

function s3Error(name: string, status: number, message = name): S3ServiceException {
  return new S3ServiceException({name, $fault: 'client', $metadata: {httpStatusCode: status}, message})
}

/** Versions of root/a.wav over two pages; root/a.wav.json shares the prefix and comes after. */
const VERSIONS = [
  {Versions: [{Key: 'root/a.wav', VersionId: 'v3'}, {Key: 'root/a.wav', VersionId: 'v2'}], DeleteMarkers: [{Key: 'root/a.wav', VersionId: 'm1'}], IsTruncated: true, NextKeyMarker: 'root/a.wav', NextVersionIdMarker: 'v2'},
  {Versions: [{Key: 'root/a.wav', VersionId: 'v1'}, {Key: 'root/a.wav.json', VersionId: 'j1'}], IsTruncated: true, NextKeyMarker: 'root/a.wav.json', NextVersionIdMarker: 'j1'},
]

const versioned = (status: string) => ({
  GetBucketVersioning: () => ({Status: status}),
  ListObjectVersions: (input: Input) => (input.KeyMarker ? VERSIONS[1] : VERSIONS[0]),
})

test('on a versioned bucket, remove deletes every version and delete marker of the key, and only of that key', async () => {
  for (const status of ['Enabled', 'Suspended']) {
    const {store, inputs} = scripted({...versioned(status), DeleteObjects: () => ({})})
    assert.equal(await store.remove('a.wav'), true)
    assert.deepEqual(inputs('ListObjectVersions'), [
      {Bucket: 'calls', Prefix: 'root/a.wav'},
      {Bucket: 'calls', Prefix: 'root/a.wav', KeyMarker: 'root/a.wav', VersionIdMarker: 'v2'},
    ])
    const deletes = inputs('DeleteObjects')
    assert.equal(deletes.length, 1, 'one DeleteObjects request')
    assert.deepEqual((deletes[0].Delete as {Objects: Input[]}).Objects.map((object) => [object.Key, object.VersionId]).sort(), [
      ['root/a.wav', 'm1'],
      ['root/a.wav', 'v1'],
      ['root/a.wav', 'v2'],
      ['root/a.wav', 'v3'],
    ])
  }
})

test('a key with only delete markers left: they go too, and remove says nothing was there', async () => {
  const {store, inputs} = scripted({
    GetBucketVersioning: () => ({Status: 'Enabled'}),
    ListObjectVersions: () => ({DeleteMarkers: [{Key: 'root/b.wav', VersionId: 'm9'}], IsTruncated: false}),
    DeleteObjects: () => ({}),
  })
  assert.equal(await store.remove('b.wav'), false)
  assert.deepEqual(inputs('DeleteObjects'), [{Bucket: 'calls', Delete: {Objects: [{Key: 'root/b.wav', VersionId: 'm9'}], Quiet: true}}])
})

test('versions kept by Object Lock are named with the lock, after every other version was deleted', async () => {
  for (const [lock, reason] of [
    [{ObjectLockMode: 'COMPLIANCE', ObjectLockRetainUntilDate: new Date('2031-01-01T00:00:00Z')}, 'Object Lock retention (COMPLIANCE) until 2031-01-01T00:00:00.000Z'],
    [{ObjectLockLegalHoldStatus: 'ON'}, 'Object Lock legal hold'],
  ] as const) {
    const {store, inputs} = scripted({
      ...versioned('Enabled'),
      // As S3 answers a DeleteObjects of which some versions are locked: 200, the refusals listed per key and version.
      DeleteObjects: () => ({Errors: [{Key: 'root/a.wav', VersionId: 'v2', Code: 'AccessDenied', Message: 'Access Denied because object protected by object lock.'}]}),
      HeadObject: (input) => (input.VersionId === 'v2' ? lock : {}),
    })
    await assert.rejects(store.remove('a.wav'), (error: NodeJS.ErrnoException) => {
      assert.equal(error.code, 'EACCES')
      assert.equal(error.message, `a.wav: 1 of 4 versions not deleted (v2: ${reason})`)
      return true
    })
    assert.equal((inputs('DeleteObjects')[0].Delete as {Objects: Input[]}).Objects.length, 4, 'the other versions are deleted all the same')
  }
})

test('when the bucket will not say whether it keeps versions, remove deletes nothing and says why', async () => {
  const {store, inputs} = scripted({GetBucketVersioning: () => Promise.reject(s3Error('AccessDenied', 403, 'Access Denied')), DeleteObjects: () => ({})})
  await assert.rejects(store.remove('a.wav'), /^Error: s3:\/\/calls\/root: cannot tell whether the bucket keeps old versions, so nothing is deleted \(GetBucketVersioning: AccessDenied: Access Denied\)$/)
  assert.deepEqual(inputs('DeleteObjects'), [])
})

test('keys that are no path inside the archive are refused; folder markers and hidden keys are not listed', async () => {
  const pages: Record<string, unknown> = {
    '': {Contents: [{Key: 'root/'}, {Key: 'root/.callrec/lock'}, {Key: 'root/a//b.wav'}, {Key: 'root/a/'}, {Key: 'root/a/x.wav'}], NextContinuationToken: 't2'},
    t2: {Contents: [{Key: 'root/a/y/../../../etc.wav'}, {Key: 'root/z.wav'}]},
  }
  const {store, inputs} = scripted({ListObjectsV2: (input) => pages[(input.ContinuationToken as string) ?? '']})
  const folders: StoreFolder[] = []
  for await (const folder of store.list()) folders.push(folder)
  // Twice: names first (which prefixes hold their own callrec.yml), then the listing proper.
  assert.deepEqual(inputs('ListObjectsV2').map((input) => input.ContinuationToken), [undefined, 't2', undefined, 't2'])
  assert.deepEqual(folders.flatMap((folder) => folder.keys).sort(), ['a/x.wav', 'z.wav'])
  assert.deepEqual(
    folders.flatMap((folder) => folder.refused.map((refused) => refused.key)),
    ['a//b.wav', 'a/y/../../../etc.wav'],
  )
})

test('an empty object, which has no byte range to GET (416), opens with the size HEAD gives', async () => {
  const modified = new Date('2026-01-02T03:04:05Z')
  const {store, inputs} = scripted({
    GetObject: () => Promise.reject(s3Error('InvalidRange', 416, 'The requested range is not satisfiable')),
    HeadObject: () => ({ContentLength: 0, LastModified: modified, ETag: '"d41d8cd98f00b204e9800998ecf8427e"'}),
  })
  const entry = (await store.open('empty.wav'))!
  assert.equal(entry.size, 0)
  assert.deepEqual(entry.modifiedAt, modified)
  assert.equal((await entry.read(0, 8192)).length, 0)
  assert.deepEqual(inputs('GetObject'), [{Bucket: 'calls', Key: 'root/empty.wav', Range: 'bytes=0-8191', IfMatch: undefined}])
})

// Recorded after AWS's documentation (no local server gives these answers): GetObject on an object in an archive
// tier of Intelligent-Tiering is 403 InvalidObjectState; HeadObject works and names the tier in x-amz-archive-status.
test('an object S3 will not serve without a restore (InvalidObjectState) opens unread, named by its archive tier', async () => {
  const modified = new Date('2025-02-03T04:05:06Z')
  const {store, inputs} = scripted({
    GetObject: () => Promise.reject(s3Error('InvalidObjectState', 403, 'The operation is not valid for the object\'s access tier')),
    HeadObject: () => ({ContentLength: 5000, LastModified: modified, StorageClass: 'INTELLIGENT_TIERING', ArchiveStatus: 'DEEP_ARCHIVE_ACCESS'}),
  })
  const entry = (await store.open('cold.wav'))!
  assert.equal(entry.size, 5000)
  assert.deepEqual(entry.modifiedAt, modified)
  assert.deepEqual(entry.stored, {archived: 'DEEP_ARCHIVE_ACCESS'})
  await assert.rejects(entry.read(0, 10), {code: 'InvalidObjectState'})
  assert.equal(inputs('GetObject').length, 1)
})

test('an object the listing puts in GLACIER or DEEP_ARCHIVE is not asked for at all', async () => {
  const {store, inputs} = scripted({
    GetBucketVersioning: () => ({}),
    ListObjectsV2: () => ({Contents: [{Key: 'root/a.wav', StorageClass: 'DEEP_ARCHIVE', Size: 9, LastModified: new Date('2025-01-01T00:00:00Z')}, {Key: 'root/b.wav', StorageClass: 'GLACIER_IR', Size: 9}]}),
  })
  for await (const folder of store.list()) assert.deepEqual(folder.keys, ['a.wav', 'b.wav'])
  const entry = (await store.open('a.wav'))!
  assert.deepEqual(entry.stored, {archived: 'DEEP_ARCHIVE'})
  assert.equal(entry.size, 9)
  assert.equal(inputs('GetObject').length, 0, 'no GET: it would fail, and a restore is not ours to ask')
})

test('DeleteObjects carries at most 1,000 objects a request', async () => {
  const {store, inputs} = scripted({GetBucketVersioning: () => ({}), DeleteObjects: () => ({})})
  const keys = Array.from({length: 2500}, (_, i) => ({key: `k/${i}.wav`}))
  assert.equal((await store.eraser({versions: 'all'}).removeMany(keys)).size, 0)
  assert.deepEqual(inputs('DeleteObjects').map((input) => (input.Delete as {Objects: unknown[]}).Objects.length), [1000, 1000, 500])
})
