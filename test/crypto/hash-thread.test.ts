import assert from 'node:assert/strict'
import {spawnSync} from 'node:child_process'
import {createHash, randomBytes} from 'node:crypto'
import {test} from 'node:test'
import {OFF_THREAD_MIN_BYTES, sha256For} from '../../src/crypto/hash-thread.js'

test('sha256For: a big file hashed on the thread gives the SHA-256 of every byte fed, in order, whatever the pieces', async () => {
  const data = randomBytes(OFF_THREAD_MIN_BYTES + 3 * 1024 * 1024 + 17)
  // Pieces of odd sizes, across the 1 MiB blocks, some empty; two hashes fed at once share the thread.
  const first = sha256For(data.length)
  const second = sha256For(data.length)
  for (let offset = 0, step = 1; offset < data.length; step = (step * 7 + 13) % 300_000) {
    const piece = data.subarray(offset, offset + step)
    await Promise.all([first.update(piece), second.update(piece)])
    offset += piece.length
  }
  const expected = createHash('sha256').update(data).digest('hex')
  assert.equal(await first.digest(), expected)
  assert.equal(await second.digest(), expected)
  // The caller's bytes are its own still: they were copied, not handed over.
  assert.equal(createHash('sha256').update(data).digest('hex'), expected)
})

test('sha256For: a small file is hashed in place, same digest; the empty input too', async () => {
  for (const data of [Buffer.alloc(0), randomBytes(1000)]) {
    const hash = sha256For(data.length)
    await hash.update(data)
    assert.equal(await hash.digest(), createHash('sha256').update(data).digest('hex'))
  }
  const empty = sha256For(OFF_THREAD_MIN_BYTES)
  assert.equal(await empty.digest(), createHash('sha256').digest('hex'))
})

test('a hash abandoned half-way (an encryption that failed) does not keep the process alive', () => {
  const script = `
    import {sha256For} from ${JSON.stringify(new URL('../../src/crypto/hash-thread.ts', import.meta.url).href)}
    const hash = sha256For(1 << 30)
    await hash.update(Buffer.alloc(5 << 20))
    console.log('fed')`
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {encoding: 'utf8', timeout: 30_000})
  assert.equal(child.signal, null, 'the process had to be killed: the hashing thread kept it alive')
  assert.equal(child.status, 0, child.stderr)
  assert.equal(child.stdout.trim(), 'fed')
})
