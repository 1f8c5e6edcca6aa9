// Keys in the journal. FreePBX and 3CX put the caller's number in file names, so a key is personal data, and a
// journal entry holding `in-0612345678-…` beside `callerHmac` would link the number to its HMAC. Every entry is
// stored with its keys masked as the outputs mask them (`in-0612••••78-…`, personal.ts), each beside its keyed
// HMAC (hmac.ts keyHasher: the archive's secret, over `key:` and the key):
//   - the entry's `keys`, with `details.keyHmacs` (one per key, same order);
//   - any `key` or `sidecar` field in the details (purge's `files`, a hold's key, failures), with `keyHmac` /
//     `sidecarHmac` beside it;
//   - paths (`output`, `destination`) masked like keys; free text (`reason`, `why`, `error`, `glob`) masked like text.
// Hashes, HMACs, sizes and times are never touched. Whoever holds the HMAC key (callrec on the archive's host)
// maps an entry back to a file: purge recovery and encrypt's twin check resolve the keys they need from the
// recordings they have in hand, and `access-log export --show-personal` from the archive's current files
// (resolveEntry). Entries written before this (clear keys, no `keyHmacs`) are read as they are: they still
// verify, and still resolve.
import type {Store} from '../store/types.js'
import {maskKey, maskText} from '../output/personal.js'
import {keyForms} from './filter.js'
import type {JournalEntry, JournalEvent} from './types.js'

export type KeyHmac = (key: string) => string

const KEY_FIELDS = ['key', 'sidecar']
const PATH_FIELDS = ['output', 'destination']
const TEXT_FIELDS = ['why', 'error', 'glob']

/**
 * Whether the event names recordings (keys, key fields) or carries text a user typed: what protectEvent changes.
 * The journal's own upkeep (prune, repair, checkpoint) names none and is stored as it is.
 */
export function namesRecordings(event: JournalEvent): boolean {
  if (['prune', 'repair', 'checkpoint'].includes(event.action)) return false
  return event.keys.length > 0 || event.reason !== undefined || nestedKeys(event.details).length > 0
}

/** The event as the journal stores it: keys masked beside their HMAC, numbers in paths and text masked. */
export function protectEvent(event: JournalEvent, hmac: KeyHmac): JournalEvent {
  if (!namesRecordings(event)) return event
  const known = [...event.keys, ...nestedKeys(event.details)]
  const protect = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(protect)
    if (!value || typeof value !== 'object') return value
    const out: Record<string, unknown> = {}
    for (const [name, item] of Object.entries(value)) {
      if (typeof item === 'string' && KEY_FIELDS.includes(name)) Object.assign(out, {[name]: maskKey(item), [`${name}Hmac`]: hmac(item)})
      else if (typeof item === 'string' && PATH_FIELDS.includes(name)) out[name] = maskKey(item)
      else if (typeof item === 'string' && TEXT_FIELDS.includes(name)) out[name] = maskText(item, known)
      else out[name] = protect(item)
    }
    return out
  }
  const details = protect(event.details ?? {}) as Record<string, unknown>
  if (event.keys.length > 0) details.keyHmacs = event.keys.map(hmac)
  return {
    ...event,
    keys: event.keys.map(maskKey),
    ...(event.reason === undefined ? {} : {reason: maskText(event.reason, known)}),
    ...(Object.keys(details).length > 0 || event.details ? {details} : {}),
  }
}

function nestedKeys(value: unknown, found: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) nestedKeys(item, found)
  else if (value && typeof value === 'object') {
    for (const [name, item] of Object.entries(value)) {
      if (typeof item === 'string' && KEY_FIELDS.includes(name)) found.push(item)
      else nestedKeys(item, found)
    }
  }
  return found
}

/** Every key HMAC an entry holds (its keys', its details'); none for an entry written with clear keys. */
export function entryKeyHmacs(entry: JournalEntry): string[] {
  const found: string[] = []
  const walk = (value: unknown) => {
    if (Array.isArray(value)) value.forEach(walk)
    else if (value && typeof value === 'object') {
      for (const [name, item] of Object.entries(value)) {
        if (name === 'keyHmacs' && Array.isArray(item)) found.push(...(item as string[]))
        else if (typeof item === 'string' && KEY_FIELDS.some((field) => name === `${field}Hmac`)) found.push(item)
        else walk(item)
      }
    }
  }
  walk(entry.details)
  return found
}

/** The HMAC of the entry's `index`-th key: stored beside it, or computed from a key stored in clear (older entries). */
export function keyHmacOf(entry: JournalEntry, index: number, hmac: KeyHmac): string {
  const stored = (entry.details?.keyHmacs as string[] | undefined)?.[index]
  return stored ?? hmac(entry.keys[index])
}

/**
 * The entry with its keys in clear where `lookup` knows their HMAC; a key it does not know stays masked, and a
 * `sidecar` it does not know is dropped (no file of the archive has that name any more). HMAC fields are kept.
 * An entry written with clear keys is returned as it is.
 */
export function resolveEntry(entry: JournalEntry, lookup: ReadonlyMap<string, string>): JournalEntry {
  const hmacs = entry.details?.keyHmacs as string[] | undefined
  if (!hmacs && entryKeyHmacs(entry).length === 0) return entry
  const resolve = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(resolve)
    if (!value || typeof value !== 'object') return value
    const out: Record<string, unknown> = {}
    for (const [name, item] of Object.entries(value)) {
      const hmac = (value as Record<string, unknown>)[`${name}Hmac`]
      if (typeof item === 'string' && KEY_FIELDS.includes(name) && typeof hmac === 'string') {
        const clear = lookup.get(hmac)
        if (clear !== undefined) out[name] = clear
        else if (name !== 'sidecar') out[name] = item
      } else out[name] = resolve(item)
    }
    return out
  }
  return {...entry, keys: entry.keys.map((key, index) => (hmacs?.[index] !== undefined ? (lookup.get(hmacs[index]) ?? key) : key)), details: resolve(entry.details) as Record<string, unknown>}
}

/**
 * HMAC → key for `keys`, each also under its plain and its `.age` name (an encrypt entry names `x.wav`, which is
 * `x.wav.age` now; a decrypt entry the other way round).
 */
export function keyLookup(keys: Iterable<string>, hmac: KeyHmac, into = new Map<string, string>()): Map<string, string> {
  for (const key of keys) {
    for (const name of keyForms(key)) {
      const hash = hmac(name)
      if (!into.has(hash)) into.set(hash, name)
    }
  }
  return into
}

/** HMAC → key for every file of the archive as it is now (one listing): what maps entries back to files. */
export async function archiveKeyLookup(store: Store, hmac: KeyHmac, into = new Map<string, string>()): Promise<Map<string, string>> {
  for await (const folder of store.list()) keyLookup(folder.keys, hmac, into)
  return into
}

/**
 * Entries with their keys in clear, for acting on them: first from `known` (the keys in hand), then, for HMACs
 * still unknown, from a listing of the archive. A key that neither knows names no file that exists now.
 */
export async function resolveEntries(entries: JournalEntry[], store: Store, hmac: KeyHmac | undefined, known: Iterable<string>): Promise<JournalEntry[]> {
  const wanted = new Set(entries.flatMap(entryKeyHmacs))
  if (wanted.size === 0 || !hmac) return entries
  const lookup = keyLookup(known, hmac)
  if ([...wanted].some((hash) => !lookup.has(hash))) await archiveKeyLookup(store, hmac, lookup)
  return entries.map((entry) => resolveEntry(entry, lookup))
}
