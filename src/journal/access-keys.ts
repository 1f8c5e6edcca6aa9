import type {Archive} from '../archive.js'
import {maskKey} from '../output/personal.js'
import {keyHasher} from './hmac.js'

/**
 * Keys as access entries (find, export, decrypt, audit --explain) store them: masked (`in-0612••••78-…`) and,
 * beside them in `details.keyHmacs`, each key's keyed HMAC. A journal entry that says "this caller's recordings
 * were exported" then holds the caller's number only as its HMAC; `access-log export --key KEY` still finds the
 * entries of a recording, and whoever holds the archive's HMAC key can tell which recording an entry names.
 * Purge, encrypt and hold entries keep the key itself: an interrupted purge is finished from its entries.
 */
export async function accessKeys(archive: Archive, keys: string[]): Promise<{keys: string[]; keyHmacs: string[]}> {
  const hash = (await keyHasher(archive, {create: true}))!
  return {keys: keys.map(maskKey), keyHmacs: keys.map(hash)}
}
