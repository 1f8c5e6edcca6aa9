import {IANAZone, Zone, type ZoneOffsetFormat, type ZoneOffsetOptions} from 'luxon'

// Every call date of an archive is converted in the policy's time zone, and luxon asks Intl for the
// offset at each instant (the audit's costliest step). Offsets only change on quarter-hour boundaries
// in every IANA zone, so one answer per quarter hour is exact.
const QUARTER_HOUR = 15 * 60 * 1000

class CachedZone extends Zone {
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

/** Days in a month of the proleptic Gregorian calendar; a month past 12 (or below 1) counts into the next years, as luxon's. */
export function daysInMonth(year: number, month: number): number {
  const inYear = (((month - 1) % 12) + 12) % 12
  const actualYear = year + (month - 1 - inYear) / 12
  if (inYear !== 1) return [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][inYear]
  return (actualYear % 4 === 0 && actualYear % 100 !== 0) || actualYear % 400 === 0 ? 29 : 28
}
