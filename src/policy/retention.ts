import {DateTime, type Duration} from 'luxon'
import type {Recording} from '../model.js'
import {parseDuration} from './duration.js'
import type {Policy} from './schema.js'
import {daysInMonth, instantOfWallClock, timeZone, wallClockMs} from './zone.js'

export interface Retention {
  purpose: string
  duration: string
  /** When the recording must be gone (epoch ms): recordedAt + the purpose's retention, in calendar months. */
  endsAt: number
}

export {isoDay, isoInstant} from './zone.js'

/**
 * Retention runs from the call's date in the policy's time zone, so that 31 Aug + 6 months is the last
 * day of February (clamped to the month's end, as luxon does). Undefined when the purpose or the date is unknown.
 */
export function retentionOf(recording: Recording, policy: Policy): Retention | undefined {
  // Several rules ask for the same recording.
  if (memo.has(recording)) return memo.get(recording)
  const retention = computeRetention(recording, policy)
  memo.set(recording, retention)
  return retention
}

const memo = new WeakMap<Recording, Retention | undefined>()

function computeRetention(recording: Recording, policy: Policy): Retention | undefined {
  const purpose = recording.fields.purpose?.value
  const recordedAt = recording.fields.recordedAt?.value
  const rule = purpose === undefined ? undefined : policy.purposes[purpose]
  if (!rule || !recordedAt) return undefined
  return {purpose: purpose!, duration: rule.retention, endsAt: plusInZone(recordedAt, rule.retention, policy.timezone)}
}

type Units = Required<Pick<Duration, 'years' | 'quarters' | 'months' | 'weeks' | 'days' | 'hours' | 'minutes' | 'seconds' | 'milliseconds'>>
const durations = new Map<string, Units | undefined>()

/** The duration's units when they are all whole numbers (the arithmetic below); undefined sends it to luxon. */
function wholeUnits(text: string): Units | undefined {
  if (durations.has(text)) return durations.get(text)
  const duration = parseDuration(text)
  const units = duration && {years: 0, quarters: 0, months: 0, weeks: 0, days: 0, hours: 0, minutes: 0, seconds: 0, milliseconds: 0, ...duration.toObject()}
  const whole = units && Object.values(units).every((value) => Number.isInteger(value)) ? units : undefined
  durations.set(text, whole)
  return whole
}

const UTC_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z$/

/**
 * `iso` + `duration` on the wall clock of `zone`, as luxon's `DateTime.fromISO(iso, {zone}).plus(duration)`, to the
 * millisecond (a test compares the two): calendar units move the wall clock (the day clamped to the month's end),
 * hours and smaller add elapsed time. A million recordings made this luxon call the audit's costliest step; here it
 * is arithmetic on the zone's cached offsets. Other ISO forms and fractional units still go through luxon.
 */
export function plusInZone(iso: string, duration: string, zoneName: string): number {
  const units = wholeUnits(duration)
  const zone = timeZone(zoneName)
  if (!units || !UTC_ISO.test(iso)) return DateTime.fromISO(iso, {zone}).plus(parseDuration(duration) as Duration).toMillis()
  const instant = Date.parse(iso)
  const offset = zone.offset(instant)
  const wall = new Date(instant + offset * 60_000)
  const year = wall.getUTCFullYear() + units.years
  const month = wall.getUTCMonth() + 1 + units.months + units.quarters * 3
  const day = Math.min(wall.getUTCDate(), daysInMonth(year, month)) + units.days + units.weeks * 7
  const local = wallClockMs(year, month, day, wall.getUTCHours(), wall.getUTCMinutes(), wall.getUTCSeconds(), wall.getUTCMilliseconds())
  const elapsed = ((units.hours * 60 + units.minutes) * 60 + units.seconds) * 1000 + units.milliseconds
  return instantOfWallClock(local, offset, zone) + elapsed
}

export function durationOf(text: string): Duration {
  const duration = parseDuration(text)
  if (!duration) throw new Error(`not a duration: ${text}`)
  return duration
}
