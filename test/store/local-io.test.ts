import assert from 'node:assert/strict'
import {execFileSync} from 'node:child_process'
import {randomBytes} from 'node:crypto'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after, test} from 'node:test'
import {LocalStore} from '../../src/store/local.js'

const folder = await mkdtemp(path.join(tmpdir(), 'callrec-local-io-'))
after(() => rm(folder, {recursive: true, force: true}))

test('a FIFO put in the place of a recording is refused at once, not waited on (opens are made in place, non-blocking)', async () => {
  execFileSync('mkfifo', [path.join(folder, 'fifo.wav')])
  const store = new LocalStore(folder)
  const started = Date.now()
  await assert.rejects(store.open('fifo.wav'), /not a plain file/)
  assert.ok(Date.now() - started < 5000)
})

test('writeAtomic writes every piece in order: thousands of small pieces (past one writev), big ones, strings', async () => {
  const store = new LocalStore(folder)
  const pieces: (Buffer | string)[] = []
  for (let i = 0; i < 3000; i++) pieces.push(randomBytes(i % 97))
  pieces.push(randomBytes(3 << 20), 'text in the middle', Buffer.alloc(0), randomBytes(70_000))
  async function* source() {
    for (const piece of pieces) yield piece
  }
  await store.writeAtomic('out.bin', source() as AsyncIterable<Uint8Array>)
  assert.deepEqual(await readFile(path.join(folder, 'out.bin')), Buffer.concat(pieces.map((piece) => Buffer.from(piece))))
  await store.writeAtomic('one.bin', Buffer.from('one buffer'))
  assert.equal(await readFile(path.join(folder, 'one.bin'), 'utf8'), 'one buffer')
})

test('a source that fails mid-way leaves nothing under the key, and no temp file', async () => {
  const store = new LocalStore(folder)
  async function* failing() {
    yield randomBytes(2 << 20)
    throw new Error('source broke')
  }
  await assert.rejects(store.writeAtomic('broken.bin', failing()), /source broke/)
  assert.equal(await store.exists('broken.bin'), false)
  assert.deepEqual(execFileSync('ls', ['-A', folder], {encoding: 'utf8'}).split('\n').filter((name) => name.startsWith('.')), [])
})
