import {masker, type Masker} from '../output/personal.js'
import {printable} from '../output/printable.js'
import {plural} from '../ui/terminal.js'
import type {Selection, UnjudgedReason} from './select.js'

/** Keys a terminal shows of each list; --json gives every one. */
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
  /** Every recording to delete (its first file's key): the whole plan, for a script or a second look. */
  keys: string[]
  /** The first keys, to see at a glance that the selection is the expected one. */
  sample: string[]
  held: {count: number; sample: {key: string; why: string}[]; keys: {key: string; why: string}[]}
  /** `--caller`: recordings kept despite the request, each with why. */
  refused: {key: string; why: string}[]
  /** Recordings retention-expired cannot judge, left out of the plan: how many, by reason, and what to do. */
  notJudged: {count: number; byReason: Partial<Record<UnjudgedReason, number>>; hint?: string}
  /** Recordings whose retention runs from the file's mtime, for want of a call date. */
  datedFromMtime: number
}

/** The plan, keys masked as every output masks them unless --show-personal (`mask` from `masker`). */
export function planOf(selection: Selection, mask: Masker = masker(false)): Plan {
  const masked = ({key, why}: {key: string; why: string}) => ({key: mask.key(key), why: mask.text(why, [key])})
  const held = selection.held.map(masked)
  const notJudged = Object.values(selection.unjudged).reduce((sum, count) => sum + count, 0)
  const plan: Plan = {
    recordings: 0,
    files: 0,
    bytes: 0,
    byRule: {},
    keys: [],
    sample: [],
    held: {count: held.length, sample: held.slice(0, SAMPLE), keys: held},
    refused: selection.refused.map(masked),
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
    plan.keys.push(mask.key(candidate.forms[0].key))
  }
  plan.sample = plan.keys.slice(0, SAMPLE)
  return plan
}

/** The plan for a terminal: every key and reason escaped, so that a file name cannot rewrite the lines above it. */
export function describePlan(plan: Plan, archive: string): string {
  const lines = [`${printable(archive)}: ${plural(plan.recordings, 'recording')} to delete (${plural(plan.files, 'file')}, ${formatBytes(plan.bytes)})`]
  for (const [rule, count] of Object.entries(plan.byRule)) lines.push(`  ${rule}: ${count}`)
  if (plan.oldestRecordedAt) lines.push(`  oldest recorded ${plan.oldestRecordedAt}`)
  if (plan.sample.length > 0) lines.push(`  e.g. ${plan.sample.map(printable).join('\n       ')}${plan.keys.length > plan.sample.length ? `\n       … and ${plan.keys.length - plan.sample.length} more (--json lists them all)` : ''}`)
  if (plan.held.count > 0) {
    lines.push(`kept under legal hold: ${plan.held.count}`)
    for (const {key, why} of plan.held.sample) lines.push(`  ${printable(key)}: ${printable(why)}`)
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
  if (plan.refused.length > 0) lines.push(`refused: ${plan.refused.length}`, ...plan.refused.map(({key, why}) => `  ${printable(key)}: ${printable(why)}`))
  return lines.join('\n')
}

export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB', 'TB']
  let value = bytes
  let unit = 0
  while (value >= 1000 && unit < units.length - 1) [value, unit] = [value / 1000, unit + 1]
  return unit === 0 ? `${bytes} bytes` : `${value.toFixed(1)} ${units[unit]}`
}
