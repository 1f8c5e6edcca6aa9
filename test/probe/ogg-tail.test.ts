// Long Ogg files: their duration from one read of the tail, and few reads in all (each one is a GET on S3).
import assert from 'node:assert/strict'
import {test} from 'node:test'
import {HEAD_BYTES, probeAudio} from '../../src/probe/audio.js'
import {longOpus} from './ogg-file.ts'

async function probe(bytes: Buffer) {
  const reads: [number, number][] = []
  const result = await probeAudio(bytes.subarray(0, HEAD_BYTES), bytes.length, async (position, length) => {
    reads.push([position, length])
    return bytes.subarray(position, position + length)
  }, 5000)
  assert.ok('audio' in result, JSON.stringify(result))
  return {audio: result.audio, reads}
}

test('a one-hour Ogg Opus: its duration from its last page, two reads beyond the head', async () => {
  const bytes = longOpus(3600)
  const {audio, reads} = await probe(bytes)
  assert.equal(audio.codec, 'Opus')
  assert.equal(audio.durationSec, 3600)
  assert.ok(reads.length <= 2, JSON.stringify(reads))
  assert.deepEqual(reads.at(-1), [bytes.length - 65_536, 65_536], 'the tail, once')
})

test('bytes that look like a page inside the last packet are not taken for the last page', async () => {
  const bytes = longOpus(29, true)
  // A forged "OggS" header (granule 1 hour) inside the last page's body: it does not end where the file ends.
  const fake = Buffer.alloc(28)
  fake.write('OggS', 0, 'latin1')
  fake.writeBigUInt64LE(48_000n * 3600n, 6)
  fake.writeUInt32LE(bytes.readUInt32LE(14), 14)
  fake[26] = 1
  fake[27] = 2
  fake.copy(bytes, bytes.length - 400)
  const {audio} = await probe(bytes)
  assert.equal(audio.durationSec, 30)
})

test('short Ogg files are read from the head alone, as before', async () => {
  const {audio, reads} = await probe(longOpus(1))
  assert.equal(audio.durationSec, 1)
  assert.ok(reads.length <= 1)
})
