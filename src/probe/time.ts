import {DateTime} from 'luxon'
import {DAY, daysInMonth, instantOfWallClock, isoInstant, timeZone, wallClockMs} from '../policy/zone.js'

const two = (value: number) => String(value).padStart(2, '0')

/**
 * Validates a date and time written as digits (`20260315`, `143012`) and returns it as `YYYY-MM-DDTHH:MM:SS`,
 * no offset; undefined for impossible ones (2026-02-30, 24:00:00, 23:59:60). Runs for every file name (and every
 * masked key), so it checks ranges by arithmetic: the proleptic Gregorian calendar, as luxon and Date use.
 */
export function wallClock(date: string, time: string): string | undefined {
  if (!/^\d{8}$/.test(date) || !/^\d{6}$/.test(time)) return undefined
  const [year, month, day] = [Number(date.slice(0, 4)), Number(date.slice(4, 6)), Number(date.slice(6, 8))]
  const [hour, minute, second] = [Number(time.slice(0, 2)), Number(time.slice(2, 4)), Number(time.slice(4, 6))]
  if (!isWallClock(year, month, day, hour, minute, second)) return undefined
  return `${date.slice(0, 4)}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`
}

/** A date and time that exists on a calendar's wall clock (no 24:00, no leap second), proleptic Gregorian as luxon's and Date's. */
function isWallClock(year: number, month: number, day: number, hour: number, minute: number, second: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month) && hour <= 23 && minute <= 59 && second <= 59
}

/** An epoch in seconds as the wall clock in UTC (`YYYY-MM-DDTHH:MM:SS`). */
export function epochWallClock(seconds: number): string {
  return new Date(seconds * 1000).toISOString().slice(0, 19)
}


/**
 * Converts a wall-clock time (`YYYY-MM-DD HH:MM:SS` or with a `T`) read in `zone` (IANA, or UTC) to ISO 8601 UTC.
 * In the hour repeated when clocks go back, the later (standard-time) instant: Asterisk writes no offset, so
 * nothing tells the two apart. A time skipped when clocks go forward is read with the offset before the change.
 * Undefined when the text is not a valid date and time. Runs for every file name and CDR row: arithmetic on the
 * zone's cached offsets, no date object.
 */
export function wallClockToUtc(text: string, zone: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim())
  if (!match) return undefined
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number)
  if (!isWallClock(year, month, day, hour, minute, second)) return undefined
  const tz = timeZone(zone)
  if (!tz.isValid) return undefined
  const local = wallClockMs(year, month, day, hour, minute, second)
  // The smaller of the offsets around is standard time: the later instant in a repeated hour.
  return isoInstant(instantOfWallClock(local, Math.min(tz.offset(local - DAY), tz.offset(local + DAY)), tz))
}

const COMMON_ISO = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,3}))?(?:Z|([+-])(\d\d):(\d\d))$/

/**
 * An ISO 8601 date and time with its offset (a sidecar's recordedAt) as ISO 8601 UTC, as luxon's
 * `DateTime.fromISO(text, {setZone: true}).toUTC().toISO()` gives it; undefined when it is not a valid one. The
 * form every PBX and script writes (`2026-05-14T10:32:00Z`, `…+02:00`, milliseconds or not) is read by arithmetic,
 * one per sidecar; luxon reads the rest (week dates, ordinal dates, `+0200`, lower case).
 */
export function isoToUtc(text: string): string | undefined {
  const match = COMMON_ISO.exec(text)
  if (match) {
    const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number)
    const offset = match[8] ? (match[8] === '-' ? -1 : 1) * (Number(match[9]) * 60 + Number(match[10])) : 0
    if (year >= 1000 && isWallClock(year, month, day, hour, minute, second) && (!match[8] || (Number(match[9]) <= 23 && Number(match[10]) <= 59))) {
      const millisecond = match[7] ? Number(match[7].padEnd(3, '0')) : 0
      return isoInstant(wallClockMs(year, month, day, hour, minute, second, millisecond) - offset * 60_000)
    }
  }
  const parsed = DateTime.fromISO(text, {setZone: true})
  return parsed.isValid ? parsed.toUTC().toISO()! : undefined
}
