import {DateTime} from 'luxon'

const WALL_CLOCK = "yyyy-MM-dd'T'HH:mm:ss"

/**
 * Validates a date and time written as digits (`20260315`, `143012`) and returns it as `YYYY-MM-DDTHH:MM:SS`,
 * no offset; undefined for impossible ones (2026-02-30, 24:00:00), which luxon would otherwise roll over.
 */
export function wallClock(date: string, time: string): string | undefined {
  const parsed = DateTime.fromFormat(date + time, 'yyyyMMddHHmmss', {zone: 'UTC'})
  return parsed.isValid && parsed.toFormat('yyyyMMddHHmmss') === date + time ? parsed.toFormat(WALL_CLOCK) : undefined
}

/** An epoch in seconds as the wall clock in UTC (`YYYY-MM-DDTHH:MM:SS`). */
export function epochWallClock(seconds: number): string {
  return DateTime.fromSeconds(seconds, {zone: 'UTC'}).toFormat(WALL_CLOCK)
}

/**
 * Converts a wall-clock time (`YYYY-MM-DD HH:MM:SS` or with a `T`) read in `zone` (IANA, or UTC) to ISO 8601 UTC.
 * In the hour repeated when clocks go back, luxon picks the later (standard-time) instant; Asterisk writes no
 * offset, so nothing tells the two apart. Undefined when the text is not a valid date and time.
 */
export function wallClockToUtc(text: string, zone: string): string | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})$/.exec(text.trim())
  if (!match) return undefined
  const [, year, month, day, hour, minute, second] = match
  const checked = wallClock(year + month + day, hour + minute + second)
  if (!checked) return undefined
  const local = DateTime.fromISO(checked, {zone})
  return local.isValid ? local.toUTC().toISO({suppressMilliseconds: true})! : undefined
}
