import type {Selection} from './select.js'

const SAMPLE = 10

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
}

export function planOf(selection: Selection): Plan {
  const plan: Plan = {recordings: 0, files: 0, bytes: 0, byRule: {}, sample: [], held: {count: selection.held.length, sample: selection.held.slice(0, SAMPLE)}, refused: selection.refused}
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
