import {DateTime, type Duration} from 'luxon'
import type {Recording} from '../model.js'
import {parseDuration} from './duration.js'
import type {Policy} from './schema.js'
import {timeZone} from './zone.js'

export interface Retention {
  purpose: string
  duration: string
  /** When the recording must be gone: recordedAt + the purpose's retention, in calendar months. */
  endsAt: DateTime
}

/**
 * Retention runs from the call's date in the policy's time zone, so that 31 Aug + 6 months is the last
 * day of February (luxon clamps to the month's end). Undefined when the purpose or the date is unknown.
 */
export function retentionOf(recording: Recording, policy: Policy): Retention | undefined {
  // Several rules ask for the same recording; time-zone arithmetic is the audit's costliest step.
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
  const endsAt = DateTime.fromISO(recordedAt, {zone: timeZone(policy.timezone)}).plus(parseDuration(rule.retention) as Duration).toUTC()
  return {purpose: purpose!, duration: rule.retention, endsAt}
}

export function durationOf(text: string): Duration {
  const duration = parseDuration(text)
  if (!duration) throw new Error(`not a duration: ${text}`)
  return duration
}
