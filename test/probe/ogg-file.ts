// A long Ogg Opus recording for tests: tone.opus's second of audio repeated, each page renumbered, its granule
// position advanced and its CRC (RFC 3533: CRC-32, polynomial 0x04c11db7, not reflected) computed again.
import {readFileSync} from 'node:fs'
import path from 'node:path'
import {ROOT} from '../helpers.ts'

const CRC_TABLE = Array.from({length: 256}, (_, byte) => {
  let crc = byte << 24
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x80000000 ? (crc << 1) ^ 0x04c11db7 : crc << 1
  return crc >>> 0
})

function pages(bytes: Buffer): Buffer[] {
  const found: Buffer[] = []
  for (let offset = 0; offset < bytes.length; ) {
    const segments = bytes[offset + 26]
    let length = 27 + segments
    for (let i = 0; i < segments; i++) length += bytes[offset + 27 + i]
    found.push(bytes.subarray(offset, offset + length))
    offset += length
  }
  return found
}

function renumbered(page: Buffer, sequence: number, granule: bigint, flags: number): Buffer {
  const copy = Buffer.from(page)
  copy[5] = flags
  copy.writeBigUInt64LE(granule, 6)
  copy.writeUInt32LE(sequence, 18)
  copy.writeUInt32LE(0, 22)
  let crc = 0
  for (const byte of copy) crc = ((crc << 8) ^ CRC_TABLE[((crc >>> 24) ^ byte) & 0xff]) >>> 0
  copy.writeUInt32LE(crc, 22)
  return copy
}

/**
 * An Ogg Opus file of `seconds` seconds (48 kHz granules, the fixture's pre-skip), ~900 bytes a second; with
 * `fullLastPage` its last page carries a whole second of audio (a body of ~900 bytes) instead of a few packets.
 */
export function longOpus(seconds: number, fullLastPage = false): Buffer {
  const [head, tags, audio, last] = pages(readFileSync(path.join(ROOT, 'test/fixtures/tone.opus')))
  const preSkip = BigInt(head.readUInt16LE(27 + head[26] + 10))
  const out = [head, tags]
  for (let i = 0; i < seconds; i++) out.push(renumbered(audio, 2 + i, 48_000n * BigInt(i + 1), 0))
  if (fullLastPage) out.push(renumbered(audio, 2 + seconds, 48_000n * BigInt(seconds + 1) + preSkip, 4))
  else out.push(renumbered(last, 2 + seconds, 48_000n * BigInt(seconds) + preSkip, 4))
  return Buffer.concat(out)
}
