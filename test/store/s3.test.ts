// S3Store against a real S3-compatible server (s3rver) on loopback: what every Store promises, as S3 keeps it.
import assert from 'node:assert/strict'
import {randomBytes} from 'node:crypto'
import {Readable} from 'node:stream'
import {buffer} from 'node:stream/consumers'
import {after, before, test} from 'node:test'
import {openS3Store, type S3Store} from '../../src/store/s3.ts'
import type {StoreFolder} from '../../src/store/types.ts'
import {wav} from '../helpers.ts'
import {startS3rver, type S3rver} from './s3rver.ts'

let server: S3rver
let store: S3Store
const big = wav(10) // 160 KB: reads past what open() fetches go to the server

before(async () => {
  server = await startS3rver()
  Object.assign(process.env, server.env)
  await server.createBucket('store')
  await server.put('store', {'a.wav': big, 'a.json': {purpose: 'quality'}, '.callrec/journal.jsonl': '', 'sub/.hidden.wav': wav(), 'sub/b.wav': wav(), 'sub/deeper/c.wav': wav()}, 'root/')
  await server.put('store', {'other.wav': wav()}, 'rootx/')
  store = await openS3Store('s3://store/root/')
})
after(() => server?.stop())

test('lists keys relative to the prefix, folder by folder, without hidden keys or a sibling prefix', async () => {
  assert.equal(store.location, 's3://store/root')
  const folders: StoreFolder[] = []
  for await (const folder of store.list()) folders.push(folder)
  assert.deepEqual(
    folders.map((folder) => folder.keys).sort(),
    [['a.json', 'a.wav'], ['sub/b.wav'], ['sub/deeper/c.wav']],
  )
  assert.deepEqual(folders.flatMap((folder) => folder.refused), [])
})

test('open() reads any range, the first 8 KiB with the same request, and says when a key is gone', async () => {
  const entry = (await store.open('a.wav'))!
  try {
    assert.equal(entry.size, big.length)
    assert.ok(Math.abs(entry.modifiedAt.getTime() - Date.now()) < 60_000, 'LastModified')
    assert.deepEqual(await entry.read(0, 44), big.subarray(0, 44))
    assert.deepEqual(await entry.read(100_000, 5000), big.subarray(100_000, 105_000))
    assert.deepEqual(await entry.read(8000, 500), big.subarray(8000, 8500), 'a read across the end of the first fetch')
    assert.deepEqual(await entry.read(big.length - 10, 100), big.subarray(big.length - 10), 'fewer bytes at the end')
    assert.equal((await entry.read(big.length, 10)).length, 0)
  } finally {
    await entry.close()
  }
  assert.equal(await store.open('nope.wav'), undefined)
})

test('a hundred entries opened and read one after the other go through one kept-alive connection', {timeout: 60_000}, async () => {
  // A response body left unread would hold its socket (and stall the reads past the client's 64); one cut
  // short would close it. Either way each read would need a new connection.
  await store.exists('a.wav')
  const before = server.connections()
  for (let round = 0; round < 100; round++) {
    const entry = (await store.open('a.wav'))!
    await entry.read(50_000, 10)
    await entry.close()
  }
  assert.equal(server.connections(), before)
})

test('readFile, createReadStream and exists; a missing key is ENOENT', async () => {
  assert.deepEqual(JSON.parse((await store.readFile('a.json')).toString()), {purpose: 'quality'})
  assert.deepEqual(await buffer(store.createReadStream('a.wav')), big)
  await assert.rejects(store.readFile('nope.json'), {code: 'ENOENT'})
  await assert.rejects(buffer(store.createReadStream('nope.wav')), {code: 'ENOENT'})
  assert.equal(await store.exists('a.wav'), true)
  assert.equal(await store.exists('nope.wav'), false)
})

test('writeAtomic stores bytes, iterables and streams larger than one upload part, intact', async () => {
  await store.writeAtomic('w/bytes.bin', Buffer.from('hello'))
  assert.equal((await store.readFile('w/bytes.bin')).toString(), 'hello')
  const chunks = [Buffer.from('a'), Buffer.from('b')]
  await store.writeAtomic('w/iterable.bin', (async function* () {
    yield* chunks
  })())
  assert.equal((await store.readFile('w/iterable.bin')).toString(), 'ab')
  // 6 MiB in 64 KiB chunks of unknown total length: a multipart upload, stored without any chunk framing.
  const large = randomBytes(6 * 1024 * 1024)
  await store.writeAtomic('w/large.bin', Readable.from((function* () {
    for (let offset = 0; offset < large.length; offset += 65536) yield large.subarray(offset, offset + 65536)
  })()))
  assert.deepEqual(await store.readFile('w/large.bin'), large)
})

test('more copies at once than the read limit, each a read stream written back to the store, all complete', {timeout: 60_000}, async () => {
  const copies = Array.from({length: 40}, (_, i) => `w/copy-${i}.wav`)
  await Promise.all(copies.map((key) => store.writeAtomic(key, store.createReadStream('a.wav'))))
  for (const key of copies) assert.equal((await store.readFile(key)).length, big.length)
})

test('writeAtomic exclusive refuses an existing key and leaves it as it was', async () => {
  await store.writeAtomic('w/once.txt', Buffer.from('first'), {exclusive: true})
  await assert.rejects(store.writeAtomic('w/once.txt', Buffer.from('second'), {exclusive: true}), {code: 'EEXIST'})
  assert.equal((await store.readFile('w/once.txt')).toString(), 'first')
})

test('remove deletes the key (this server has no versioning) and says whether it was there', async () => {
  await store.writeAtomic('w/gone.txt', Buffer.from('x'))
  assert.equal(await store.remove('w/gone.txt'), true)
  assert.equal(await store.exists('w/gone.txt'), false)
  assert.equal(await store.remove('w/gone.txt'), false)
})

test('keys outside the prefix are refused', async () => {
  await assert.rejects(store.readFile('../rootx/other.wav'), /not a key inside the archive/)
  await assert.rejects(store.remove('../rootx/other.wav'), /not a key inside the archive/)
  assert.throws(() => store.createReadStream('/abs'), /not a key inside the archive/)
})

test('describe() gives bucket, prefix, region and endpoint, for reports on where the data sits', async () => {
  // s3rver reports no region on HeadBucket and an empty location constraint: S3's way of saying us-east-1.
  assert.deepEqual(await store.describe(), {kind: 's3', bucket: 'store', prefix: 'root', region: 'us-east-1', endpoint: server.endpoint})
})
