import {IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions} from 'luxon'

// Every call date of an archive is converted in the policy's time zone, and luxon asks Intl for the
// offset at each instant (~30 µs: the audit's costliest step). Offsets only change on quarter-hour boundaries
// in every IANA zone, so one answer per quarter hour is exact. And no zone changes its offset twice within
// 12 hours (in the tz database the closest two changes are 4 days apart: Africa/Freetown, 1939), so a UTC day
// whose offset is the same at its start, middle and end has that offset throughout: three questions a day, a
// quarter hour's on the days clocks change.
const QUARTER_HOUR = 15 * 60 * 1000
export const DAY = 24 * 60 * 60 * 1000

class CachedZone extends Zone {
  /** UTC day → its offset, or null when it changes that day (then asked by quarter hour). */
  private readonly days = new Map<number, number | null>()
  private readonly offsets = new Map<number, number>()

  constructor(private readonly zone: IANAZone) {
    super()
  }

  get type(): string {
    return this.zone.type
  }

  get name(): string {
    return this.zone.name
  }

  get isUniversal(): boolean {
    return false
  }

  get isValid(): boolean {
    return this.zone.isValid
  }

  offsetName(ts: number, options: ZoneOffsetOptions): string | null {
    return this.zone.offsetName(ts, options)
  }

  formatOffset(ts: number, format: ZoneOffsetFormat): string {
    return this.zone.formatOffset(ts, format)
  }

  offset(ts: number): number {
    const day = Math.floor(ts / DAY)
    let steady = this.days.get(day)
    if (steady === undefined) {
      const start = day * DAY
      const first = this.zone.offset(start)
      steady = first === this.zone.offset(start + DAY / 2) && first === this.zone.offset(start + DAY - 1) ? first : null
      this.days.set(day, steady)
    }
    if (steady !== null) return steady
    const bucket = Math.floor(ts / QUARTER_HOUR)
    let offset = this.offsets.get(bucket)
    if (offset === undefined) {
      offset = this.zone.offset(ts)
      this.offsets.set(bucket, offset)
    }
    return offset
  }

  equals(other: Zone): boolean {
    return other.type === this.type && other.name === this.name
  }
}

const zones = new Map<string, Zone>()

/** The IANA zone `name` with its offsets remembered; use it wherever many instants are converted. */
export function timeZone(name: string): Zone {
  let zone = zones.get(name)
  if (!zone) {
    // UTC too: luxon asks Intl for the offset of an IANA "UTC" zone at every instant (a CDR in UTC has millions)
    zone = new CachedZone(IANAZone.create(name.toUpperCase() === 'UTC' ? 'UTC' : name))
    zones.set(name, zone)
  }
  return zone
}

/**
 * The instant (epoch ms) at which `zone`'s clocks show `local` (a wall-clock time written as epoch ms, as if in
 * UTC), from a first guess of the offset (minutes): luxon's own fixOffset, so results match luxon's to the
 * millisecond. In a gap (clocks going forward) the time is read with the offset before the change, as luxon does.
 */
export function instantOfWallClock(local: number, guess: number, zone: Zone): number {
  let instant = local - guess * 60_000
  const second = zone.offset(instant)
  if (second === guess) return instant
  instant -= (second - guess) * 60_000
  const third = zone.offset(instant)
  if (third === second) return instant
  return local - Math.min(second, third) * 60_000
}

/**
 * A wall-clock time as epoch ms "as if in UTC" (Date.UTC, which reads years 0–99 as 1900–1999: fixed here as luxon
 * does). Months and days past their range carry over, as in Date.UTC.
 */
export function wallClockMs(year: number, month: number, day: number, hour = 0, minute = 0, second = 0, millisecond = 0): number {
  const ms = Date.UTC(year, month - 1, day, hour, minute, second, millisecond)
  if (year >= 100 || year < 0) return ms
  const date = new Date(ms)
  date.setUTCFullYear(year, month - 1, day)
  return date.getTime()
}

const datePrefixes = new Map<number, string>()
const two = (value: number) => (value < 10 ? '0' + value : '' + value)
const three = (value: number) => (value < 10 ? '00' + value : value < 100 ? '0' + value : '' + value)

/**
 * An instant (epoch ms) as ISO 8601 UTC, `2026-05-14T10:32:00.000Z`, exactly as Date's toISOString writes it (a
 * test compares them), six times faster: the date part is kept per day. Every file date, call date and finding of
 * an audit is written this way.
 */
export function isoInstant(ms: number): string {
  if (!Number.isInteger(ms)) return new Date(ms).toISOString()
  const day = Math.floor(ms / DAY)
  let prefix = datePrefixes.get(day)
  if (prefix === undefined) {
    const iso = new Date(ms).toISOString()
    // years past 9999 or before 0 are written ±YYYYYY
    if (iso.length !== 24) return iso
    if (datePrefixes.size >= 10_000) datePrefixes.clear()
    datePrefixes.set(day, (prefix = iso.slice(0, 11)))
  }
  const time = ms - day * DAY
  return prefix + two(Math.floor(time / 3_600_000)) + ':' + two(Math.floor(time / 60_000) % 60) + ':' + two(Math.floor(time / 1000) % 60) + '.' + three(time % 1000) + 'Z'
}

/** The UTC date of an instant (epoch ms), `YYYY-MM-DD`. */
export const isoDay = (ms: number) => isoInstant(ms).slice(0, 10)

/** Days in a month of the proleptic Gregorian calendar; a month past 12 (or below 1) counts into the next years, as luxon's. */
export function daysInMonth(year: number, month: number): number {
  const inYear = (((month - 1) % 12) + 12) % 12
  const actualYear = year + (month - 1 - inYear) / 12
  if (inYear !== 1) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][inYear]
  return (actualYear % 4 === 0 && actualYear % 100 !== 0) || actualYear % 400 === 0 ? 29 : 28
}
