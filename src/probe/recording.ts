// What is a recording, for every command that acts on them (audit, purge, encrypt): the one predicate.
// An archive folder also holds documents, CDR exports, spreadsheets, scans: those are never purged or
// encrypted, whatever the policy's defaults say, because they are not recordings.

/**
 * Extensions PBXs and call recorders write: containers (wav, mp3, ogg, flac, m4a…), Asterisk's raw formats
 * (gsm, ulaw, alaw, sln*, g72x, ilbc, siren*), Dialogic VOX. A file with one of them is a recording even when
 * damaged (then `unreadable`, and still purged when its date is due).
 */
const AUDIO_EXTENSIONS = new Set([
  ...['wav', 'wave', 'bwf', 'rf64', 'w64', 'mp3', 'mp2', 'mpga', 'ogg', 'oga', 'opus', 'spx', 'flac', 'm4a', 'm4b', 'aac', 'adts'],
  ...['amr', 'awb', '3ga', 'wma', 'aif', 'aiff', 'aifc', 'au', 'snd', 'caf', 'mka', 'weba', 'ape', 'wv', 'vox'],
  ...['gsm', 'wav49', 'ulaw', 'ul', 'mulaw', 'alaw', 'al', 'pcm', 'g722', 'g723', 'g726', 'g729', 'ilbc', 'siren7', 'siren14', 'speex'],
])
/** Asterisk's signed linear at any rate: sln, sln16, sln48… */
const SLIN = /^sln\d*$/

const AGE_SUFFIX = /\.age$/i

function extensionOf(name: string): string | undefined {
  const base = name.slice(name.lastIndexOf('/') + 1)
  const dot = base.lastIndexOf('.')
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : undefined
}

const hasAudioExtension = (key: string) => {
  const extension = extensionOf(key)
  return extension !== undefined && (AUDIO_EXTENSIONS.has(extension) || SLIN.test(extension))
}

/**
 * What the name says: `audio` (an audio extension, or an .age file whose inner name has one), `not` (an .age
 * file whose inner name has none: its content cannot be sniffed, so it stays what its name says), or
 * `content` (only the first bytes can tell).
 */
export function recordingByName(key: string): 'audio' | 'not' | 'content' {
  if (AGE_SUFFIX.test(key)) return hasAudioExtension(key.replace(AGE_SUFFIX, '')) ? 'audio' : 'not'
  return hasAudioExtension(key) ? 'audio' : 'content'
}

/** How many first bytes `isAudioContent` needs. */
export const SNIFF_BYTES = 64

const ascii = (head: Buffer, start: number, end: number) => head.toString('latin1', start, end)

/** Audio by its first bytes: the magic numbers of the containers and streams call recorders write. */
export function isAudioContent(head: Buffer): boolean {
  if (head.length < 4) return false
  const four = ascii(head, 0, 4)
  if (['RIFF', 'RF64', 'BW64'].includes(four)) return head.length >= 12 && ascii(head, 8, 12) === 'WAVE'
  if (four === 'FORM') return head.length >= 12 && ['AIFF', 'AIFC'].includes(ascii(head, 8, 12))
  if (['OggS', 'fLaC', '.snd', 'caff', 'MAC ', 'wvpk'].includes(four)) return true
  if (ascii(head, 0, 3) === 'ID3') return true
  if (ascii(head, 0, 5) === '#!AMR') return true
  if (ascii(head, 4, 8) === 'ftyp') return ['M4A ', 'M4B ', 'M4P ', 'F4A ', 'F4B ', '3gp4', '3gp5', '3gp6', '3g2a'].includes(ascii(head, 8, 12))
  // ASF (WMA): its header object's GUID.
  if (head.subarray(0, 8).equals(Buffer.from([0x30, 0x26, 0xb2, 0x75, 0x8e, 0x66, 0xcf, 0x11]))) return true
  return isMpegFrame(head) || isAdtsFrame(head)
}

/** An MPEG audio frame header (MP3/MP2 without ID3): 11 sync bits, then no reserved version, layer, bitrate or rate. */
function isMpegFrame(head: Buffer): boolean {
  if (head[0] !== 0xff || (head[1] & 0xe0) !== 0xe0) return false
  const version = (head[1] >> 3) & 3
  const layer = (head[1] >> 1) & 3
  const bitrate = head[2] >> 4
  const rate = (head[2] >> 2) & 3
  return version !== 1 && layer !== 0 && bitrate !== 15 && rate !== 3
}

/** An AAC ADTS frame header: 12 sync bits, layer 0, a valid sampling index. */
function isAdtsFrame(head: Buffer): boolean {
  return head[0] === 0xff && (head[1] & 0xf6) === 0xf0 && ((head[2] >> 2) & 0xf) < 13
}

/**
 * The predicate: a recording has an audio extension, or audio content (`head`, the first SNIFF_BYTES bytes,
 * when the name alone does not tell), or is an .age file whose inner name has an audio extension.
 */
export function isRecording(key: string, head?: Buffer): boolean {
  const byName = recordingByName(key)
  return byName === 'audio' || (byName === 'content' && head !== undefined && isAudioContent(head))
}
