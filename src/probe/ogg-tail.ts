// The duration of an Ogg stream is the granule position of its last page (RFC 3533), which music-metadata only
// reaches by reading every page in turn (on S3, two GETs a page). One read of the file's tail finds that page.
import type {ReadAt} from './audio.js'

/** An Ogg page is at most 27 + 255 + 255 × 255 bytes: a tail this long holds the start of the last page. */
const TAIL_BYTES = 65_536
const HEADER_BYTES = 27
/** A granule position of all ones: no packet ends on this page. */
const NO_GRANULE = 0xffff_ffff_ffff_ffffn

interface Page {
  serial: number
  granule: bigint
  length: number
  payload: Buffer
}

/** The page at `offset` if a plausible page header is there (capture pattern, version 0, whole within `bytes`). */
function pageAt(bytes: Buffer, offset: number): Page | undefined {
  if (offset + HEADER_BYTES > bytes.length || bytes.toString('latin1', offset, offset + 4) !== 'OggS' || bytes[offset + 4] !== 0) return undefined
  const segments = bytes[offset + 26]
  if (offset + HEADER_BYTES + segments > bytes.length) return undefined
  let body = 0
  for (let i = 0; i < segments; i++) body += bytes[offset + HEADER_BYTES + i]
  const start = offset + HEADER_BYTES + segments
  const length = HEADER_BYTES + segments + body
  return {serial: bytes.readUInt32LE(offset + 14), granule: bytes.readBigUInt64LE(offset + 6), length, payload: bytes.subarray(start, Math.min(start + body, bytes.length))}
}

/** The audio stream's serial number and how its granules count: from its first page, in the head. */
function audioStream(head: Buffer): {serial: number; preSkip: number} | undefined {
  for (let offset = 0; ; ) {
    const page = pageAt(head, offset)
    if (!page) return undefined
    const id = page.payload.toString('latin1', 0, 8)
    // Opus counts 48 kHz samples, less the decoder's pre-skip; Vorbis, FLAC and Speex count samples at the stream's rate.
    if (id === 'OpusHead' && page.payload.length >= 12) return {serial: page.serial, preSkip: page.payload.readUInt16LE(10)}
    if (id.startsWith('\x01vorbis') || id.startsWith('\x7fFLAC') || id === 'Speex   ') return {serial: page.serial, preSkip: 0}
    offset += page.length
  }
}

/**
 * Seconds of audio in an Ogg file, from one read of its tail: the last page of the audio stream whose chain of
 * pages ends exactly at the end of the file (so bytes that merely look like "OggS" inside a packet are not taken).
 */
export async function oggDuration(head: Buffer, size: number, readAt: ReadAt, codec: string | undefined, sampleRate: number | undefined): Promise<number | undefined> {
  const stream = audioStream(head)
  const rate = codec === 'Opus' ? 48_000 : sampleRate
  if (!stream || !rate) return undefined
  const start = Math.max(0, size - TAIL_BYTES)
  const tail = await readAt(start, size - start)
  let end = tail.length
  for (let offset = tail.lastIndexOf('OggS', end - HEADER_BYTES, 'latin1'); offset >= 0; offset = offset === 0 ? -1 : tail.lastIndexOf('OggS', offset - 1, 'latin1')) {
    const page = pageAt(tail, offset)
    if (!page || offset + page.length !== end) continue
    end = offset
    if (page.serial !== stream.serial || page.granule === NO_GRANULE) continue
    const samples = Number(page.granule) - stream.preSkip
    return samples >= 0 ? samples / rate : undefined
  }
  return undefined
}
