import {createHmac, randomBytes} from 'node:crypto'
import {mkdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import type {Archive} from '../archive.js'
import {CallrecError} from '../errors.js'
import {toE164} from '../probe/phone.js'
import {LocalStore} from '../store/local.js'
import {withLock} from './lock.js'
import {journalPaths} from './paths.js'

/** Turns a caller number into its keyed HMAC: what the journal and the holds file store instead of the number. */
export type NumberHasher = (number: string) => string | undefined

/**
 * A hashed phone number is still personal data and a plain hash of a 10-digit number is reversed by
 * brute force in seconds: a secret key makes the HMAC useless to whoever reads the journal without it.
 * The key is made on first use (32 random bytes, mode 0600) and refused when others can read it.
 */
export async function numberHasher(archive: Archive, options: {create: boolean}): Promise<NumberHasher | undefined> {
  const file = journalPaths(archive).hmacKey
  const key = (await readKey(file)) ?? (options.create ? await createKey(file) : undefined)
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
  const file = journalPaths(archive).hmacKey
  const key = (await readKey(file)) ?? (options.create ? await createKey(file) : undefined)
  return key && ((recordingKey) => createHmac('sha256', key).update(`key:${recordingKey}`).digest('hex'))
}

async function readKey(file: string): Promise<Buffer | undefined> {
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))
  if (!info) return undefined
  if (info.mode & 0o077) throw new CallrecError(`${file}: the HMAC key of caller numbers is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 ${file}`)
  const key = Buffer.from((await readFile(file, 'utf8')).trim(), 'hex')
  if (key.length < 32) throw new CallrecError(`${file}: not an HMAC key (64 hex digits expected)`)
  return key
}

/** Under the key's lock, so that two first uses at once agree on one key. */
function createKey(file: string): Promise<Buffer> {
  return withLock(file, async () => {
    const existing = await readKey(file)
    if (existing) return existing
    const key = randomBytes(32)
    const folder = path.dirname(file)
    await mkdir(folder, {recursive: true, mode: 0o750})
    await new LocalStore(folder).writeAtomic(path.basename(file), Buffer.from(key.toString('hex') + '\n'), {mode: 0o600})
    return key
  })
}
