import {DateTime} from 'luxon'
import {timeZone} from '../policy/zone.js'

const two = (value: number) => String(value).padStart(2, '0')

/**
 * Validates a date and time written as digits (`20260315`, `143012`) and returns it as `YYYY-MM-DDTHH:MM:SS`,
 * no offset; undefined for impossible ones (2026-02-30, 24:00:00), which luxon would otherwise roll over.
 * Runs once per recording, so it checks ranges with luxon's constructor rather than a format parser.
 */
export function wallClock(date: string, time: string): string | undefined {
  if (!/^\d{8}$/.test(date) || !/^\d{6}$/.test(time)) return undefined
  const parts = [date.slice(0, 4), date.slice(4, 6), date.slice(6, 8), time.slice(0, 2), time.slice(2, 4), time.slice(4, 6)].map(Number)
  // luxon reads 24:00 as the next midnight.
  if (parts[3] > 23 || !DateTime.utc(parts[0], parts[1], parts[2], parts[3], parts[4], parts[5]).isValid) return undefined
  return `${date.slice(0, 4)}-${two(parts[1])}-${two(parts[2])}T${two(parts[3])}:${two(parts[4])}:${two(parts[5])}`
}

/** An epoch in seconds as the wall clock in UTC (`YYYY-MM-DDTHH:MM:SS`). */
export function epochWallClock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19)
}

/**
 * Converts a wall-clock time (`YYYY-MM-DD HH:MM:SS` or with a `T`) read in `zone` (IANA, or UTC) to ISO 8601 UTC.
 * In the hour repeated when clocks go back, luxon picks the later (standard-time) instant; Asterisk writes no
 * offset, so nothing tells the two apart. Undefined when the text is not a valid date and time.
 */
export function wallClockToUtc(text: string, zone: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim())
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number)
  if (hour > 23) return undefined // luxon reads 24:00 as the next midnight
  const local = DateTime.fromObject({year, month, day, hour, minute, second}, {zone: timeZone(zone)})
  return local.isValid ? local.toUTC().toISO()! : undefined
}
