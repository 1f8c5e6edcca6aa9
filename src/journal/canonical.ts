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
  if (value !== null && typeof value === 'object') return joinFields(canonicalFields(value as Record<string, unknown>))
  return JSON.stringify(value)
}

type Field = {key: string; json: string}

/** An object's defined fields (less `without`), sorted by key, each as `"key":value` in canonical JSON. */
function canonicalFields(value: Record<string, unknown>, without?: string): Field[] {
  return Object.keys(value)
    .filter((key) => key !== without && value[key] !== undefined)
    .sort()
    .map((key) => ({key, json: `${JSON.stringify(key)}:${canonicalJson(value[key])}`}))
}

const joinFields = (fields: Field[]) => `{${fields.map((field) => field.json).join(',')}}`

/** SHA-256 over the canonical form of the entry without its own `hash` (what `verify` recomputes). */
export function hashEntry(entry: Omit<JournalEntry, 'hash'> & {hash?: string}): string {
  return createHash('sha256').update(joinFields(canonicalFields(entry as Record<string, unknown>, 'hash'))).digest('hex')
}

/**
 * The entry's hash and its canonical line with that hash, each field serialized once for both: the line is the
 * hashed form with `"hash":…` put in its sorted place, so it is exactly `canonicalJson` of the hashed entry.
 */
export function sealEntry(entry: Omit<JournalEntry, 'hash'>): {hash: string; line: string} {
  const fields = canonicalFields(entry as Record<string, unknown>, 'hash')
  const hash = createHash('sha256').update(joinFields(fields)).digest('hex')
  const at = fields.findIndex((field) => field.key > 'hash')
  fields.splice(at < 0 ? fields.length : at, 0, {key: 'hash', json: `"hash":"${hash}"`})
  return {hash, line: joinFields(fields)}
}
