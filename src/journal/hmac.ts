import {createHmac} from 'node:crypto'
import type {Archive} from '../archive.js'
import {toE164} from '../probe/phone.js'
import {stateOf} from '../state/index.js'

/** Turns a caller number into its keyed HMAC: what the journal and the holds file store instead of the number. */
export type NumberHasher = (number: string) => string | undefined

/**
 * A hashed phone number is still personal data and a plain hash of a 10-digit number is reversed by
 * brute force in seconds: a secret key makes the HMAC useless to whoever reads the journal without it.
 * The key is made on first use (32 random bytes; a local file of mode 0600, refused when others can read
 * it), kept with the archive's state: every host of an S3 archive uses the same key.
 */
export async function numberHasher(archive: Archive, options: {create: boolean}): Promise<NumberHasher | undefined> {
  const key = await hmacKey(archive, options)
  if (!key) return undefined
  return (number) => {
    const e164 = toE164(number, archive.policy.country)
    return e164 && createHmac('sha256', key).update(e164).digest('hex')
  }
}

/**
 * Turns a recording's key into its keyed HMAC, with the same secret: access entries (find, export, decrypt)
 * store keys masked beside this HMAC, so `access-log export --key KEY` still finds them and the clear number
 * a PBX put in a file name is not kept beside the HMAC of the caller's number.
 */
export async function keyHasher(archive: Archive, options: {create: boolean}): Promise<((key: string) => string) | undefined> {
  const key = await hmacKey(archive, options)
  return key && keyHmacWith(key)
}

/** The keyed HMAC of recording keys with this secret. */
export function keyHmacWith(key: Buffer): (recordingKey: string) => string {
  return (recordingKey) => createHmac('sha256', key).update(`key:${recordingKey}`).digest('hex')
}

async function hmacKey(archive: Archive, options: {create: boolean}): Promise<Buffer | undefined> {
  const state = await stateOf(archive)
  return (await state.readHmacKey()) ?? (options.create ? await state.createHmacKey() : undefined)
}
