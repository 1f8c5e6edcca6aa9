import {createHash} from 'node:crypto'
import type {JournalEntry} from './types.js'

/** The hash of the entry before the first one of a journal that was never pruned. */
export const GENESIS = '0'.repeat(64)

/**
 * JSON with object keys sorted at every depth and no whitespace: the same entry always gives the same
 * bytes, whatever order its writer built it in, so its hash can be checked by anyone who re-reads it.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value !== null && typeof value === 'object') {
    const fields = Object.keys(value)
      .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`)
    return `{${fields.join(',')}}`
  }
  return JSON.stringify(value)
}

/** SHA-256 over the canonical form of the entry without its own `hash`. */
export function hashEntry(entry: Omit<JournalEntry, 'hash'> & {hash?: string}): string {
  const {hash: _, ...rest} = entry
  return createHash('sha256').update(canonicalJson(rest)).digest('hex')
}
