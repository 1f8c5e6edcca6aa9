// In-place encryption of archive recordings: NAME.EXT becomes NAME.EXT.age, and nothing is lost on a crash.
//
// Order: ciphertext through store.writeAtomic (temp in the same folder, fsync, rename), then its size and header
// are checked, then the plaintext is removed. So after a kill at any point a recording is its plaintext, or its
// plaintext plus a complete .age (the rename is the commit point), or its .age alone; a rerun finishes the job.
import {utimes} from 'node:fs/promises'
import pMap from 'p-map'
import {errorMessage} from '../errors.js'
import type {Carried, OpenEntry, Store} from '../store/types.js'
import {ageFileSize, headerEnd, readStanzas, type AgeSealer} from './age.js'

export const AGE_SUFFIX = '.age'

export interface EncryptResult {
  key: string
  /** `encrypted` now, or `completed`: an interrupted run had written the .age; its plaintext is now removed. */
  action: 'encrypted' | 'completed'
  size: number
}

export async function encryptKey(store: Store, key: string, sealer: AgeSealer): Promise<EncryptResult> {
  const ageKey = key + AGE_SUFFIX
  const plaintext = await store.open(key)
  if (!plaintext) throw new Error('no longer exists')
  const {size, modifiedAt} = plaintext
  let action: EncryptResult['action'] = 'encrypted'
  try {
    const written = await peek(store, ageKey)
    if (written) {
      // An earlier run stopped between the rename and the removal: its .age is complete if it has the right shape
      // and the plaintext did not change after it was written (the .age then has the write time or the plaintext's).
      await verifyCiphertext(store, ageKey, size, await sealer.referenceHeader(), false)
        .then(() => {
          if (modifiedAt > written.modifiedAt) throw new Error('the plaintext changed after it was written')
        })
        .catch((error: unknown) => {
          throw new Error(`${ageKey} already exists and is not this recording's ciphertext (${errorMessage(error)}); both left as they are`)
        })
      action = 'completed'
    } else {
      const {ciphertext, header} = await sealer.encrypt(contents(plaintext))
      await store.writeAtomic(ageKey, ciphertext, {exclusive: true, carry: carriedOf(plaintext)})
      const after = await peek(store, key)
      if (after?.size !== size || after.modifiedAt.getTime() !== modifiedAt.getTime()) {
        await store.remove(ageKey)
        throw new Error('changed while being encrypted (still being recorded?); left as it was')
      }
      await verifyCiphertext(store, ageKey, size, header, true)
    }
  } finally {
    await plaintext.close()
  }
  // Retention may fall back on the file's date: the ciphertext keeps the recording's.
  await setModifiedAt(store, ageKey, modifiedAt)
  await store.remove(key)
  return {key, action, size}
}

/**
 * The entry's bytes as they were when it was opened, in pieces of up to 1 MiB (exact sizes: small files are many),
 * the next piece read while the consumer handles this one.
 */
export async function* contents(entry: OpenEntry): AsyncGenerator<Buffer> {
  const readFrom = (position: number) => (position < entry.size ? entry.read(position, Math.min(1 << 20, entry.size - position)) : undefined)
  let next = readFrom(0)
  try {
    for (let position = 0; next; ) {
      const piece = await next
      if (piece.length === 0) throw new Error('shrank while being read')
      position += piece.length
      next = readFrom(position)
      yield piece
    }
  } finally {
    next?.catch(() => {}) // a read started for a consumer that stopped
  }
}

/**
 * Checks what can be checked without an identity: the file is as long as the ciphertext of `plaintextSize` bytes
 * under `header`, and starts with `header` itself (`exact`: the header just written) or, for a file an earlier run
 * wrote, with a header that parses and has the same stanzas (types, argument and body sizes) as `header`.
 */
export async function verifyCiphertext(store: Store, ageKey: string, plaintextSize: number, header: Buffer, exact: boolean): Promise<void> {
  const head = await peek(store, ageKey, header.length)
  if (!head) throw new Error(`${ageKey} is missing`)
  const expected = ageFileSize(header.length, plaintextSize)
  if (head.size !== expected) throw new Error(`${ageKey} has ${head.size} bytes where ${expected} were expected`)
  if (exact) {
    if (!head.bytes.equals(header)) throw new Error(`${ageKey} does not start with the header written`)
    return
  }
  if (headerEnd(head.bytes) !== header.length) throw new Error(`${ageKey} does not start with an age header of the expected length`)
  if (shape(await readStanzas(head.bytes)) !== shape(await readStanzas(header))) throw new Error(`${ageKey} has a header for other recipients`)
}

function shape(stanzas: {args: string[]; body: Uint8Array}[]): string {
  return stanzas.map((stanza) => [stanza.args[0], ...stanza.args.slice(1).map((arg) => arg.length), stanza.body.length].join(' ')).join('\n')
}

/** Size, date and the first `length` bytes of a key; undefined when it is gone. */
async function peek(store: Store, key: string, length = 0): Promise<{size: number; modifiedAt: Date; bytes: Buffer} | undefined> {
  const entry = await store.open(key)
  if (!entry) return undefined
  try {
    return {size: entry.size, modifiedAt: entry.modifiedAt, bytes: await entry.read(0, length)}
  } finally {
    await entry.close()
  }
}

/** What the encrypted (or decrypted) copy keeps of `entry`: its date, content type and user metadata. */
export function carriedOf(entry: OpenEntry): Carried {
  return {modifiedAt: entry.modifiedAt, ...(entry.metadata ? {metadata: entry.metadata} : {}), ...(entry.contentType ? {contentType: entry.contentType} : {})}
}

/** Sets a key's modification time where the store has local files; other stores keep their own dates. */
export async function setModifiedAt(store: Store, key: string, date: Date): Promise<void> {
  if (store.localPath) await utimes(store.localPath(key), date, date)
}

export interface Progress {
  done: number
  total: number
  key: string
  error?: string
}

export interface BatchOptions {
  /** Files in flight at once: encryption is fast, the time goes in reads, fsyncs and renames. */
  concurrency?: number
  onProgress?: (progress: Progress) => void
  /** Once aborted, no new file is started; those in flight finish. */
  signal?: AbortSignal
}

export interface EncryptBatch {
  results: EncryptResult[]
  failures: {key: string; error: string}[]
  /** Keys not started because the signal aborted. */
  skipped: string[]
}

/** Encrypts `keys` a few at a time; the batch lists results, failures and skipped keys in the order of `keys`. */
export async function encryptKeys(store: Store, keys: readonly string[], sealer: AgeSealer, options: BatchOptions = {}): Promise<EncryptBatch> {
  let done = 0
  const outcomes = await pMap(
    keys,
    async (key): Promise<EncryptResult | {key: string; error: string} | string> => {
      if (options.signal?.aborted) return key
      let outcome
      try {
        outcome = await encryptKey(store, key, sealer)
      } catch (error) {
        outcome = {key, error: errorMessage(error)}
      }
      options.onProgress?.({done: ++done, total: keys.length, key, error: 'error' in outcome ? outcome.error : undefined})
      return outcome
    },
    {concurrency: options.concurrency ?? 8},
  )
  const batch: EncryptBatch = {results: [], failures: [], skipped: []}
  for (const outcome of outcomes) {
    if (typeof outcome === 'string') batch.skipped.push(outcome)
    else if ('error' in outcome) batch.failures.push(outcome)
    else batch.results.push(outcome)
  }
  return batch
}
