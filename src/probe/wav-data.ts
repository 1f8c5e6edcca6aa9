// Asterisk writes a WAV's header when MixMonitor starts and its sizes when it stops: a call hung up before any audio
// (or a channel that never bridged) leaves a 44-byte file, a header and an empty data chunk. music-metadata then
// gives no duration at all, so the data chunk itself says whether the file holds a single sample frame.

const RIFF = [0x52, 0x49, 0x46, 0x46]
const WAVE = [0x57, 0x41, 0x56, 0x45]

/** A RIFF/WAVE head: `RIFF`, the size, `WAVE`. */
export function isRiffWave(head: Uint8Array): boolean {
  return head.length >= 12 && RIFF.every((byte, index) => head[index] === byte) && WAVE.every((byte, index) => head[8 + index] === byte)
}

/**
 * Bytes of audio in a RIFF/WAVE file's data chunk, from its head (the first bytes) and its size; undefined when
 * the head is not a WAV or its data chunk is beyond the head. A declared size of 0 or 0xFFFFFFFF (written while
 * streaming) counts what follows the chunk header in the file.
 */
export function wavDataBytes(head: Buffer, size: number): number | undefined {
  if (!isRiffWave(head)) return undefined
  for (let offset = 12; offset + 8 <= head.length; ) {
    const id = head.toString('latin1', offset, offset + 4)
    const declared = head.readUInt32LE(offset + 4)
    if (id === 'data') {
      const present = Math.max(0, size - offset - 8)
      return declared === 0 || declared === 0xffffffff ? present : Math.min(declared, present)
    }
    offset += 8 + declared + (declared % 2) // chunks are padded to an even size
  }
  return undefined
}

/** A WAV with no complete sample frame (block align from its fmt chunk, at least one byte). */
export function wavHasNoFrames(head: Buffer, size: number, blockAlign = 1): boolean {
  const bytes = wavDataBytes(head, size)
  return bytes !== undefined && bytes < Math.max(1, blockAlign)
}
