// Keys are strings; file names are bytes. Real PBX spools hold names that are not UTF-8, so such a name's
// key spells each non-ASCII byte as \xNN, and the store turns it back into the same bytes.
const utf8 = new TextDecoder('utf-8', {fatal: true})
const ESCAPED = /\\x([0-9a-f]{2})/gi

export function nameToKeyPart(name: Buffer): string {
  try {
    return utf8.decode(name)
  } catch {
    let out = ''
    for (const byte of name) out += byte < 0x80 ? String.fromCharCode(byte) : `\\x${byte.toString(16).padStart(2, '0')}`
    return out
  }
}

export function keyPartToName(part: string): Buffer {
  if (!ESCAPED.test(part)) return Buffer.from(part, 'utf8')
  ESCAPED.lastIndex = 0
  const bytes: number[] = []
  let last = 0
  for (const match of part.matchAll(ESCAPED)) {
    bytes.push(...Buffer.from(part.slice(last, match.index), 'utf8'), Number.parseInt(match[1], 16))
    last = match.index + match[0].length
  }
  bytes.push(...Buffer.from(part.slice(last), 'utf8'))
  return Buffer.from(bytes)
}

/** Validates a key: relative, `/`-separated, no `.` or `..` segment, no NUL. */
export function checkKey(key: string): string[] {
  const parts = key.split('/')
  if (key === '' || key.startsWith('/') || key.includes('\0') || parts.some((part) => part === '' || part === '.' || part === '..')) {
    throw new Error(`${key}: not a key inside the archive (relative, no "..")`)
  }
  return parts
}
