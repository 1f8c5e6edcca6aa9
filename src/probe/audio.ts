import type {IAudioMetadata} from 'music-metadata'
import {AbstractTokenizer, BufferSizeError, EndOfStreamError, type IFileInfo, type IReadChunkOptions} from 'strtok3'
import type {AudioInfo} from '../model.js'
import {oggDuration} from './ogg-tail.js'
import {isRiffWave, wavHasNoFrames} from './wav-data.js'
import {detail} from '../details.js'

/** How many bytes the scan reads up front: enough for the header of every container PBXs write. */
export const HEAD_BYTES = 8192

/**
 * What parsing one file may take beyond its head, in any one token and in all reads together: a header, tag or
 * atom declares its own size, and a hostile one declares gigabytes. The moov atom of a ten-hour M4A is ~1 MB;
 * every container PBXs write fits with room to spare. A file that asks for more is unreadable, at once, with
 * nothing allocated (strtok3 checks `maxBufferSize` before it allocates a token).
 */
export const PARSE_BUDGET = 4 * 1024 * 1024
/** Reads beyond the head a parse may make: a real header takes a handful; a forged chain of empty chunks, millions. */
const PARSE_READS = 2048
/**
 * What one read beyond the head fetches at least: parsers ask for a few bytes at a time (an Ogg page header, then
 * its body), and over S3 each read is a request. Later reads within the window cost nothing.
 */
const READ_WINDOW = 65_536

export type ReadAt = (position: number, length: number) => Promise<Buffer>

/**
 * A random-access tokenizer over bytes already read: music-metadata parses the head from memory and
 * reaches the disk only for what lies beyond it (trailing tags, Ogg's last page). One read per file
 * instead of one per token is what keeps the audit near the speed of a bare read.
 */
class HeadTokenizer extends AbstractTokenizer {
  fileInfo: IFileInfo
  /** Bytes read from the store so far, beyond the head. */
  private spent = 0
  private reads = 0
  /** The last read beyond the head, and where it starts. */
  private window: {position: number; bytes: Uint8Array} = {position: 0, bytes: new Uint8Array(0)}

  constructor(
    private readonly head: Uint8Array,
    size: number,
    private readonly readAt: ReadAt,
    abortSignal: AbortSignal,
    private readonly deadline: number,
  ) {
    super({abortSignal, maxBufferSize: PARSE_BUDGET})
    // A RIFF/WAVE head is audio/wav to file-type too (no signature it checks first starts so); saying so spares
    // the guess, a tenth of the parse. Other heads are still guessed from their content, never from the file's name.
    this.fileInfo = isRiffWave(head) ? {size, mimeType: 'audio/wav'} : {size}
  }

  /**
   * Reads still go to any position, but saying "no" spares every file music-metadata's scan of the file's
   * end for ID3v1/APE/Lyrics3 tags (two reads a file, half the audit's time), which PBX recordings never carry.
   */
  supportsRandomAccess(): boolean {
    return false
  }

  setPosition(position: number): void {
    this.position = position
  }

  async readBuffer(target: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const normalized = this.normalizeOptions(target, options)
    const read = await this.copy(target, normalized.position, normalized.length, normalized.mayBeLess)
    this.position = normalized.position + read
    return read
  }

  async peekBuffer(target: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const normalized = this.normalizeOptions(target, options)
    return this.copy(target, normalized.position, normalized.length, normalized.mayBeLess)
  }

  private async copy(target: Uint8Array, position: number, length: number, mayBeLess = false): Promise<number> {
    // Checked on every token too: a parser looping over data already in memory never lets the timer fire.
    if (Date.now() > this.deadline) throw new TimeoutError()
    let bytes: Uint8Array
    if (position + length <= this.head.length) bytes = this.head.subarray(position, position + length)
    else if (position >= (this.fileInfo.size ?? 0)) bytes = new Uint8Array(0)
    else if (position >= this.window.position && position + length <= this.window.position + this.window.bytes.length) {
      bytes = this.window.bytes.subarray(position - this.window.position, position - this.window.position + length)
    } else {
      // Parsers also allocate buffers of declared sizes themselves and then read into them: stop before the read.
      const fetched = Math.min(Math.max(length, READ_WINDOW), (this.fileInfo.size ?? 0) - position)
      this.spent += Math.max(length, fetched)
      if (this.spent > PARSE_BUDGET) throw new BufferSizeError(this.spent, PARSE_BUDGET)
      if (++this.reads > PARSE_READS) throw new TooManyReadsError()
      this.window = {position, bytes: await this.readAt(position, Math.max(length, fetched))}
      bytes = this.window.bytes.subarray(0, length)
    }
    target.set(bytes)
    if (bytes.length < length && !mayBeLess) throw new EndOfStreamError()
    return bytes.length
  }
}

class TimeoutError extends Error {}
class TooManyReadsError extends Error {}

// Imported when the first header is parsed: a re-audit that finds every file in the probe cache never needs it
// (a tenth of a second of start-up).
let musicMetadata: Promise<typeof import('music-metadata')> | undefined

export type AudioProbe = {audio: AudioInfo; metadata: IAudioMetadata} | {error: string; timedOut?: true}

/** Reads the audio header; a file that is not audio, is cut short, or takes longer than `timeoutMs` gets the reason. */
export async function probeAudio(head: Buffer, size: number, readAt: ReadAt, timeoutMs: number): Promise<AudioProbe> {
  if (size === 0) return {error: detail('emptyFile')}
  const cut = wavCutShort(head, size)
  if (cut) return {error: cut}
  // Before the clock starts: loading the parser is not the file's doing.
  const {parseFromTokenizer} = await (musicMetadata ??= import('music-metadata'))
  const abort = new AbortController()
  const timer = setTimeout(() => abort.abort(), timeoutMs)
  try {
    const tokenizer = new HeadTokenizer(head, size, readAt, abort.signal, Date.now() + timeoutMs)
    const parsing = parseFromTokenizer(tokenizer, {duration: false, skipCovers: true, skipPostHeaders: true})
    const timeout = new Promise<never>((_, reject) => abort.signal.addEventListener('abort', () => reject(new TimeoutError())))
    const metadata = await Promise.race([parsing, timeout])
    const {format} = metadata
    if (!format.codec) return {error: format.container ? detail('noAudioStream', {container: format.container}) : detail('unknownFormat')}
    // music-metadata stops after a dozen pages of a long Ogg file, without its duration: its last page says it.
    const duration = format.duration ?? (format.container === 'Ogg' && size > head.length ? await oggDuration(head, size, readAt, format.codec, format.sampleRate) : undefined)
    return {
      metadata,
      audio: {
        container: format.container,
        codec: format.codec,
        // A header-only WAV has no duration in music-metadata's eyes; it has none in ours: zero.
        durationSec: wavHasNoFrames(head, size) ? 0 : duration === undefined ? undefined : Math.round(duration * 1000) / 1000,
        sampleRate: format.sampleRate,
        channels: format.numberOfChannels,
      },
    }
  } catch (error) {
    if (error instanceof TimeoutError) return {error: detail('timedOut', {ms: timeoutMs}), timedOut: true}
    return {error: describeParseError(error)}
  } finally {
    clearTimeout(timer)
  }
}

function describeParseError(error: unknown): string {
  if (error instanceof EndOfStreamError) return detail('endsInHeader')
  if (error instanceof TooManyReadsError) return detail('tooManyReads', {reads: PARSE_READS})
  if (error instanceof BufferSizeError) return detail('headerTooLarge', {bytes: error.requestedSize, mib: PARSE_BUDGET / 1024 / 1024})
  const message = error instanceof Error ? error.message : String(error)
  if (/MIME-type|unsupported|Guessed|determine audio format/i.test(message)) return detail('unknownFormat')
  return detail('parseError', {error: message.split('\n')[0]})
}

/**
 * A WAV whose RIFF header promises more bytes than the file holds was cut short (a crash mid-write, a
 * partial copy). Sizes 0 and 0xFFFFFFFF are what recorders write while streaming, not damage.
 */
function wavCutShort(head: Buffer, size: number): string | undefined {
  if (!isRiffWave(head)) return undefined
  const declared = head.readUInt32LE(4) + 8
  if (declared <= 8 || declared >= 0xffffffff || declared <= size) return undefined
  return detail('wavCutShort', {declared, size})
}
