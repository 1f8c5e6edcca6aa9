import {Duration} from 'luxon'

// One parser for every duration in the policy and on the command line:
// "6 months", "30 days", "30d", "2w", "5 years", "12months", or ISO 8601 ("P6M", "P30D").
const UNITS: Record<string, 'days' | 'weeks' | 'months' | 'years' | 'hours'> = {
  h: 'hours', hour: 'hours', hours: 'hours',
  d: 'days', day: 'days', days: 'days',
  w: 'weeks', week: 'weeks', weeks: 'weeks',
  mo: 'months', month: 'months', months: 'months',
  y: 'years', year: 'years', years: 'years',
}

export const DURATION_HELP = 'a number and a unit (hours, days, weeks, months, years; h, d, w, mo, y) such as "6 months" or "30d", or ISO 8601 such as "P6M"'

/** Parses a duration; returns undefined when the text is not one. */
export function parseDuration(text: string): Duration | undefined {
  const trimmed = text.trim()
  if (/^P/i.test(trimmed)) {
    if (!/\d/.test(trimmed)) return undefined
    const iso = Duration.fromISO(trimmed.toUpperCase())
    return iso.isValid ? iso : undefined
  }
  const match = /^(\d+)\s*([a-z]+)$/i.exec(trimmed)
  if (!match) return undefined
  const unit = UNITS[match[2].toLowerCase()]
  return unit ? Duration.fromObject({[unit]: Number(match[1])}) : undefined
}
