// age files are recognised by their first bytes, never by the name: a `.age` suffix proves nothing.
const BINARY = Buffer.from('age-encryption.org/v1\n')
const ARMORED = Buffer.from('-----BEGIN AGE ENCRYPTED FILE-----')

export function isAgeEncrypted(head: Buffer): boolean {
  if (head.subarray(0, BINARY.length).equals(BINARY)) return true
  // Armored files may start with whitespace (the spec tolerates it on decode).
  const start = head.subarray(0, 256).toString('latin1').trimStart()
  return start.startsWith(ARMORED.toString('latin1'))
}
