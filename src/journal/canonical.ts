import {createHash} from 'node:crypto'
import type {JournalEntry} from './types.js'

/** The hash of the entry before the first one of a journal that was never pruned. */
export const GENESIS = '0'.repeat(64)

/**
 * JSON with object keys sorted at every depth and no whitespace: the same entry always gives the same
 * bytes, whatever order its writer built it in, so its hash can be checked by anyone who re-reads it.
 */
export function canonicalJson(value: unknown): string {
  // An undefined item is null, as JSON.stringify writes it (left out, it would make `[,1]`, which is not JSON).
  if (Array.isArray(value)) return `[${value.map((item) => (item === undefined ? 'null' : canonicalJson(item))).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const fields = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
    return `{${fields.join(',')}}`
  }
  return JSON.stringify(value)
}

/** SHA-256 over the canonical form of the entry without its own `hash` (what `verify` recomputes). */
export function hashEntry(entry: Omit<JournalEntry, 'hash'> & {hash?: string}): string {
  const {hash: _, ...rest} = entry
  return createHash('sha256').update(canonicalJson(rest)).digest('hex')
}

/**
 * The entry's hash and its canonical line with that hash, each field serialized once for both: the line is the
 * hashed form with `"hash":…` put in its sorted place, so it is exactly `canonicalJson` of the hashed entry.
 */
export function sealEntry(entry: Omit<JournalEntry, 'hash'>): {hash: string; line: string} {
  const value = entry as Record<string, unknown>
  const fields = Object.keys(value)
    .filter((key) => key !== 'hash' && value[key] !== undefined)
    .sort()
    .map((key) => ({key, json: `${JSON.stringify(key)}:${canonicalJson(value[key])}`}))
  const hash = createHash('sha256').update(`{${fields.map((field) => field.json).join(',')}}`).digest('hex')
  const at = fields.findIndex((field) => field.key > 'hash')
  fields.splice(at < 0 ? fields.length : at, 0, {key: 'hash', json: `"hash":"${hash}"`})
  return {hash, line: `{${fields.map((field) => field.json).join(',')}}`}
}
