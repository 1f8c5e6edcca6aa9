// Decryption of one age file to a folder, to a stream (stdout) or in place. Every decryption is an access to
// personal data: the journal records it before the first plaintext byte leaves, and records failures too.
import type {Decrypter} from 'age-encryption'
import {createHash} from 'node:crypto'
import {basename} from 'node:path/posix'
import type {Writable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {errorMessage} from '../errors.js'
import type {Journal} from '../journal/types.js'
import {LocalStore} from '../store/local.js'
import type {OpenEntry, Store} from '../store/types.js'
import {openAge} from './age.js'
import {AGE_SUFFIX, contents} from './encrypt-file.js'

export type DecryptOutput = {folder: string} | {stream: Writable} | {inPlace: true}

export interface DecryptOptions {
  decrypter: Decrypter
  journal: Journal
  /** Why the recording is accessed: mandatory, it goes to the journal. */
  reason: string
  /** The key as the journal names it, relative to the archive root (the journal masks it beside its HMAC). */
  journalKey?: string
  /** Where the plaintext went, as the journal says it; the real path by default. */
  journalOutput?: string
  /** More facts for the journal entries (the caller's HMAC). */
  journalDetails?: Record<string, unknown>
  /** The command the entries name: `decrypt`, or `find` for a DSAR export. */
  command?: string
}

/** Decrypts `key` of `store`; returns where the plaintext went. */
export async function decryptKey(store: Store, key: string, output: DecryptOutput, options: DecryptOptions): Promise<string> {
  if (options.reason.trim() === '') throw new Error('a reason is required to decrypt')
  const target = describe(key, output)
  const record = (outcome: 'ok' | 'failed', details: Record<string, unknown>) =>
    options.journal.append({
      action: 'decrypt',
      command: options.command ?? 'decrypt',
      keys: [options.journalKey ?? key],
      reason: options.reason,
      outcome,
      details: {output: options.journalOutput ?? target, ...options.journalDetails, ...details},
    })
  const folder = 'folder' in output ? new LocalStore(output.folder) : undefined
  // Checked again when the file is renamed into place; here it saves a journal entry for nothing.
  if (folder && (await folder.exists(basename(plaintextKey(key))))) throw new Error(`${target} already exists`)
  const entry = await store.open(key, {pinned: true})
  if (!entry) throw new Error('no such file')
  try {
    let plaintext
    try {
      plaintext = await openAge(contents(entry), options.decrypter)
    } catch (error) {
      await record('failed', {error: errorMessage(error)})
      throw error
    }
    await record('ok', {})
    try {
      if ('stream' in output) await pipeline(plaintext, output.stream, {end: false})
      // Temp file, fsync, rename: a payload failure leaves no output file behind.
      else if (folder) await folder.writeAtomic(basename(plaintextKey(key)), plaintext, {mode: 0o600, exclusive: true})
      else await restoreInPlace(store, key, plaintext, entry)
    } catch (error) {
      await record('failed', {error: errorMessage(error)})
      throw error
    }
  } finally {
    await entry.close()
  }
  return target
}

async function restoreInPlace(store: Store, key: string, plaintext: AsyncIterable<Buffer>, age: OpenEntry): Promise<void> {
  const plainKey = plaintextKey(key)
  const existing = await store.open(plainKey, {pinned: true})
  if (existing) {
    // A run stopped between restoring the plaintext and removing the .age leaves both: finish when they match.
    try {
      const [restored, found] = await Promise.all([sha256(plaintext), sha256(contents(existing))])
      if (restored !== found) throw new Error(`${plainKey} already exists with other content; ${key} left as it is`)
    } finally {
      await existing.close()
    }
  } else {
    await store.writeAtomic(plainKey, plaintext, {exclusive: true, modifiedAt: age.modifiedAt})
  }
  // Only the .age that was decrypted: another file put in its place since stays.
  await store.remove(key, age.identity)
}

function plaintextKey(key: string): string {
  if (!key.endsWith(AGE_SUFFIX) || key.length === AGE_SUFFIX.length) throw new Error(`the name does not end in ${AGE_SUFFIX}: cannot tell the plaintext's name`)
  return key.slice(0, -AGE_SUFFIX.length)
}

function describe(key: string, output: DecryptOutput): string {
  if ('stream' in output) return 'stdout'
  if ('folder' in output) return `${output.folder}/${basename(plaintextKey(key))}`
  return plaintextKey(key)
}

async function sha256(bytes: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of bytes) hash.update(chunk)
  return hash.digest('hex')
}
