import {DateTime} from 'luxon'
import {timeZone} from '../policy/zone.js'

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
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) || hour > 23 || minute > 59 || second > 59) return undefined
  return `${date.slice(0, 4)}-${two(month)}-${two(day)}T${two(hour)}:${two(minute)}:${two(second)}`
}

function daysInMonth(year: number, month: number): number {
  if (month !== 2) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28
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
