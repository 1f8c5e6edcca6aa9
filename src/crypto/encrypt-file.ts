// In-place encryption of archive recordings: NAME.EXT becomes NAME.EXT.age, and nothing is lost on a crash.
//
// Order: ciphertext through store.writeAtomic (temp in the same folder, fsync), a journal entry naming the SHA-256
// of the plaintext read and of the ciphertext written (fsynced), the rename, a check of its size and header, then
// the removal of the plaintext, only if it is still the file read (device/inode, size, date) and through its
// pinned folder. So after a kill at any point a recording is its plaintext, or its plaintext plus a complete .age
// that the journal names (the rename is the commit point), or its .age alone; a rerun finishes the job. A NAME.age
// found beside NAME is taken for an interrupted run's only when the journal names that very pair (both hashed)
// or it decrypts to NAME; anything else is a conflict: both stay, the run fails on that item (docs/safety.md).
import type {Decrypter} from 'age-encryption'
import {createHash, type Hash} from 'node:crypto'
import pMap from 'p-map'
import {errorMessage} from '../errors.js'
import type {FileJournal} from '../journal/file.js'
import {keyHmacOf} from '../journal/entry-keys.js'
import {readEntries} from '../journal/file.js'
import type {OpenEntry, Store} from '../store/types.js'
import {ageFileSize, openAge, type AgeSealer} from './age.js'

export const AGE_SUFFIX = '.age'

export interface EncryptResult {
  key: string
  /** `encrypted` now, or `completed`: an interrupted run had written the .age; its plaintext is now removed. */
  action: 'encrypted' | 'completed'
  size: number
}

/** What the journal keeps of one encryption: the plaintext and the ciphertext it became, by SHA-256. */
export interface EncryptedFact {
  key: string
  size: number
  sha256: string
  ageSha256: string
}

/**
 * Where an encryption is recorded before its .age appears, and looked up when a run finds NAME and NAME.age
 * side by side: only a pair that this ledger knows, or that `decrypter` shows to match, is an interrupted run's.
 */
export interface EncryptLedger {
  record(fact: EncryptedFact): Promise<void>
  known(fact: EncryptedFact): Promise<boolean>
  /** To check a pair the ledger does not know: an identity or the passphrase, when the run has one. */
  decrypter?: Decrypter
}

export async function encryptKey(store: Store, key: string, sealer: AgeSealer, ledger: EncryptLedger): Promise<EncryptResult> {
  const ageKey = key + AGE_SUFFIX
  // Through its pinned folder (local stores): a folder swapped for a symlink is refused, not followed.
  const plaintext = await store.open(key, {pinned: true})
  if (!plaintext) throw new Error('no longer exists')
  const {size, modifiedAt} = plaintext
  let action: EncryptResult['action'] = 'encrypted'
  try {
    const existing = await store.open(ageKey, {pinned: true})
    if (existing) {
      await existing.close()
      await checkTwin(store, key, plaintext, ledger)
      action = 'completed'
    } else {
      const plainHash = createHash('sha256')
      const ageHash = createHash('sha256')
      const {ciphertext, header} = await sealer.encrypt(tap(contents(plaintext), plainHash))
      let recorded = false
      const record = async () => {
        await unchanged(store, key, plaintext)
        await ledger.record({key, size, sha256: plainHash.digest('hex'), ageSha256: ageHash.digest('hex')})
        recorded = true
      }
      // The journal entry comes before the .age appears (stores that can say when; after the write otherwise).
      await store.writeAtomic(ageKey, tap(ciphertext, ageHash), {exclusive: true, modifiedAt, beforeCommit: record})
      if (!recorded) await record()
      await verifyCiphertext(store, ageKey, size, header)
    }
    await unchanged(store, key, plaintext)
  } finally {
    await plaintext.close()
  }
  // Only the file that was read and encrypted: another one put in its place since stays.
  await store.remove(key, plaintext.identity)
  return {key, action, size}
}

/** Throws unless `key` is still the file `entry` was opened on, with the same size and date. */
async function unchanged(store: Store, key: string, entry: OpenEntry): Promise<void> {
  const now = await peek(store, key)
  if (now?.size !== entry.size || now.modifiedAt.getTime() !== entry.modifiedAt.getTime() || now.identity !== entry.identity) {
    throw new Error('changed while being encrypted (still being recorded?); left as it was')
  }
}

/**
 * NAME and NAME.age both exist: an interrupted run's work (its .age then holds exactly this plaintext) or a
 * conflict (another recording under that name, a planted file). Both are hashed; the pair is ours when the
 * journal recorded it, or when the .age decrypts to the plaintext. Anything else keeps both and fails.
 */
async function checkTwin(store: Store, key: string, plaintext: OpenEntry, ledger: EncryptLedger): Promise<void> {
  const ageKey = key + AGE_SUFFIX
  const age = await store.open(ageKey, {pinned: true})
  if (!age) throw new Error(`${ageKey} vanished`)
  try {
    const [sha256, ageSha256] = await Promise.all([hashOf(contents(plaintext)), hashOf(contents(age))])
    if (await ledger.known({key, size: plaintext.size, sha256, ageSha256})) return
    const conflict = (why: string) => new Error(`${ageKey} already exists and ${why}; both left as they are`)
    if (!ledger.decrypter) throw conflict('no journal entry shows it was made from this plaintext, and there is no identity to decrypt it (--identity)')
    const decrypted = await openAge(contents(age), ledger.decrypter).then(hashOf).catch((error: unknown) => {
      throw conflict(`cannot be decrypted (${errorMessage(error)})`)
    })
    if (decrypted !== sha256) throw conflict('holds another recording (it decrypts to other content)')
  } finally {
    await age.close()
  }
}

async function hashOf(bytes: AsyncIterable<Uint8Array>): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of bytes) hash.update(chunk)
  return hash.digest('hex')
}

/** Passes `bytes` through, hashing them on the way. */
async function* tap<T extends Uint8Array>(bytes: AsyncIterable<T>, hash: Hash): AsyncGenerator<T> {
  for await (const chunk of bytes) {
    hash.update(chunk)
    yield chunk
  }
}

/**
 * The ledger of a run: each encryption appended to the journal (concurrent ones share one write and fsync),
 * and the journal's earlier encrypt entries, read once when a pair must be checked.
 */
export function journalLedger(journal: FileJournal, details: Record<string, unknown>, decrypter?: Decrypter): EncryptLedger {
  let seen: Promise<Set<string>> | undefined
  const id = (keyHmac: string, fact: Omit<EncryptedFact, 'key'>) => `${keyHmac}\n${fact.sha256}\n${fact.ageSha256}`
  const append = groupCommit<EncryptedFact>(async (facts) => {
    await journal.appendAll(facts.map((fact) => ({action: 'encrypt', command: 'encrypt', keys: [fact.key], outcome: 'ok', details: {...details, size: fact.size, sha256: fact.sha256, ageSha256: fact.ageSha256}})))
  })
  return {
    decrypter,
    record: append,
    known: async (fact) => {
      // Entries name keys by their HMAC (journal/entry-keys.ts); older entries and plain journals by the key itself.
      const hmac = (await journal.keyHmac()) ?? ((key: string) => key)
      seen ??= (async () => {
        const ids = new Set<string>()
        for await (const entry of readEntries(journal.file)) {
          const {sha256, ageSha256, size} = entry.details ?? {}
          if (entry.action === 'encrypt' && entry.outcome === 'ok' && typeof ageSha256 === 'string') ids.add(id(keyHmacOf(entry, 0, hmac), {size: size as number, sha256: sha256 as string, ageSha256}))
        }
        return ids
      })()
      return (await seen).has(id(hmac(fact.key), fact))
    },
  }
}

/** Calls made while a flush runs wait for the next one, together: one journal write and fsync for many files. */
function groupCommit<T>(flush: (items: T[]) => Promise<void>): (item: T) => Promise<void> {
  let queue: {item: T; resolve(): void; reject(error: unknown): void}[] = []
  let running = false
  const drain = async () => {
    running = true
    while (queue.length > 0) {
      const batch = queue
      queue = []
      await flush(batch.map(({item}) => item)).then(
        () => batch.forEach(({resolve}) => resolve()),
        (error: unknown) => batch.forEach(({reject}) => reject(error)),
      )
    }
    running = false
  }
  return (item) =>
    new Promise<void>((resolve, reject) => {
      queue.push({item, resolve, reject})
      if (!running) void drain()
    })
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

/** The file just written is as long as the ciphertext of `plaintextSize` bytes under `header`, and starts with `header`. */
export async function verifyCiphertext(store: Store, ageKey: string, plaintextSize: number, header: Buffer): Promise<void> {
  const head = await peek(store, ageKey, header.length)
  if (!head) throw new Error(`${ageKey} is missing`)
  const expected = ageFileSize(header.length, plaintextSize)
  if (head.size !== expected) throw new Error(`${ageKey} has ${head.size} bytes where ${expected} were expected`)
  if (!head.bytes.equals(header)) throw new Error(`${ageKey} does not start with the header written`)
}

/** Size, date and the first `length` bytes of a key; undefined when it is gone. */
async function peek(store: Store, key: string, length = 0): Promise<{size: number; modifiedAt: Date; identity?: string; bytes: Buffer} | undefined> {
  const entry = await store.open(key, {pinned: true})
  if (!entry) return undefined
  try {
    return {size: entry.size, modifiedAt: entry.modifiedAt, identity: entry.identity, bytes: await entry.read(0, length)}
  } finally {
    await entry.close()
  }
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
export async function encryptKeys(store: Store, keys: readonly string[], sealer: AgeSealer, ledger: EncryptLedger, options: BatchOptions = {}): Promise<EncryptBatch> {
  let done = 0
  const outcomes = await pMap(
    keys,
    async (key): Promise<EncryptResult | {key: string; error: string} | string> => {
      if (options.signal?.aborted) return key
      let outcome
      try {
        outcome = await encryptKey(store, key, sealer, ledger)
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
