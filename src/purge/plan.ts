import type {Selection, UnjudgedReason} from './select.js'

const SAMPLE = 10

const UNJUDGED: Record<UnjudgedReason, string> = {
  'no-purpose': 'no purpose in any source',
  'unknown-purpose': 'a purpose the policy does not define',
  'no-date': 'no call date',
}
const UNJUDGED_HINT = 'set defaults.purpose or classify: rules in the policy (`callrec audit --rule purpose-missing` lists them)'

export interface Plan {
  recordings: number
  files: number
  bytes: number
  byRule: Record<string, number>
  oldestRecordedAt?: string
  /** A few keys, to see at a glance that the selection is the expected one. */
  sample: string[]
  held: {count: number; sample: {key: string; why: string}[]}
  /** `--caller`: recordings kept despite the request, each with why. */
  refused: {key: string; why: string}[]
  /** Recordings retention-expired cannot judge, left out of the plan: how many, by reason, and what to do. */
  notJudged: {count: number; byReason: Partial<Record<UnjudgedReason, number>>; hint?: string}
  /** Recordings whose retention runs from the file's mtime, for want of a call date. */
  datedFromMtime: number
}

export function planOf(selection: Selection): Plan {
  const notJudged = Object.values(selection.unjudged).reduce((sum, count) => sum + count, 0)
  const plan: Plan = {
    recordings: 0,
    files: 0,
    bytes: 0,
    byRule: {},
    sample: [],
    held: {count: selection.held.length, sample: selection.held.slice(0, SAMPLE)},
    refused: selection.refused,
    notJudged: {count: notJudged, byReason: selection.unjudged, ...(notJudged > 0 ? {hint: UNJUDGED_HINT} : {})},
    datedFromMtime: selection.datedFromMtime,
  }
  for (const candidate of selection.candidates.values()) {
    plan.recordings++
    plan.files += candidate.forms.length
    for (const form of candidate.forms) plan.bytes += form.size
    for (const rule of candidate.rules) plan.byRule[rule] = (plan.byRule[rule] ?? 0) + 1
    const date = candidate.recordedAt?.value
    if (date && (!plan.oldestRecordedAt || date < plan.oldestRecordedAt)) plan.oldestRecordedAt = date
    if (plan.sample.length < SAMPLE) plan.sample.push(candidate.forms[0].key)
  }
  return plan
}

export function describePlan(plan: Plan, archive: string): string {
  const lines = [`${archive}: ${plan.recordings} recording${plan.recordings === 1 ? '' : 's'} to delete (${plan.files} files, ${formatBytes(plan.bytes)})`]
  for (const [rule, count] of Object.entries(plan.byRule)) lines.push(`  ${rule}: ${count}`)
  if (plan.oldestRecordedAt) lines.push(`  oldest recorded ${plan.oldestRecordedAt}`)
  if (plan.sample.length > 0) lines.push(`  e.g. ${plan.sample.join('\n       ')}`)
  if (plan.held.count > 0) {
    lines.push(`kept under legal hold: ${plan.held.count}`)
    for (const {key, why} of plan.held.sample) lines.push(`  ${key}: ${why}`)
  }
  if (plan.notJudged.count > 0) {
    lines.push(`left out, retention unknown: ${plan.notJudged.count}`)
    for (const [reason, label] of Object.entries(UNJUDGED)) {
      const count = plan.notJudged.byReason[reason as UnjudgedReason]
      if (count) lines.push(`  ${label}: ${count}`)
    }
    lines.push(`  hint: ${plan.notJudged.hint}`)
  }
  if (plan.datedFromMtime > 0) lines.push(`judged from the file's modification time (no call date; copies reset it): ${plan.datedFromMtime}`)
  if (plan.refused.length > 0) lines.push(`refused: ${plan.refused.length}`, ...plan.refused.map(({key, why}) => `  ${key}: ${why}`))
  return lines.join('\n')
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) [value, unit] = [value / 1000, unit + 1]
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`
}
