import {DateTime} from 'luxon'
import {CallrecError} from '../errors.js'
import {parseDuration} from '../policy/duration.js'
import type {JournalEntry} from './types.js'

export interface EntryFilter {
  since?: DateTime
  until?: DateTime
  actor?: string
  actions?: string[]
  /** A recording's key: its entries name it plain (`x.wav`) or encrypted (`x.wav.age`), whichever it was then. */
  key?: string
  /** The HMAC of each form of the key (hmac.ts keyHasher): entries store keys masked beside it (entry-keys.ts). */
  keyHmacs?: string[]
}

/** An instant given as ISO 8601, or as a duration before `now` (`30d`, `12 months`). */
export function parseInstant(text: string, now: DateTime, flag: string): DateTime {
  const iso = DateTime.fromISO(text, {zone: 'utc'})
  if (iso.isValid) return iso
  const ago = parseDuration(text)
  if (ago) return now.minus(ago)
  throw new CallrecError(`${flag} ${text}: not an ISO 8601 date or a duration such as "30d"`)
}

/** `x.wav` and `x.wav.age`: one recording, in clear or encrypted. */
export const keyForms = (key: string): string[] => (/\.age$/i.test(key) ? [key, key.slice(0, -4)] : [key, `${key}.age`])

export function matches(entry: JournalEntry, filter: EntryFilter): boolean {
  const time = DateTime.fromISO(entry.time, {zone: 'utc'})
  if (filter.since && time < filter.since) return false
  if (filter.until && time > filter.until) return false
  if (filter.actor && entry.actor.user !== filter.actor && entry.actor.name !== filter.actor) return false
  if (filter.actions && !filter.actions.includes(entry.action)) return false
  if (filter.key && !keyForms(filter.key).some((key) => entry.keys.includes(key)) && !(entry.details?.keyHmacs as string[] | undefined)?.some((hmac) => filter.keyHmacs?.includes(hmac))) return false
  return true
}
