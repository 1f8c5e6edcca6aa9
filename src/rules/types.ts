import type {DateTime} from 'luxon'
import type {Finding, Recording, Severity, Sourced} from '../model.js'
import type {Policy} from '../policy/schema.js'
import type {CdrIndex} from '../probe/cdr-index.js'
import type {ScanItem} from '../probe/scan.js'

export interface RuleContext {
  policy: Policy
  now: DateTime
  /** `now`'s date (ISO), for comparisons with hold dates. */
  today: string
  /** now + the policy's dueSoon window. */
  dueHorizon: DateTime
  cdr: CdrIndex
  /** Bare call ids of every recording scanned so far, filled by the audit for rules that join the CDR. */
  seenCallIds: Set<string>
}

/** ESLint's shape: a rule is its meta plus a check. Ids are a contract: reports, purge and CI scripts use them. */
export interface RuleMeta {
  id: string
  description: string
  /** The severity of its findings unless a finding says otherwise. */
  severity: Severity
}

/** What a rule sees during one audit: every scanned item, then the end of the scan (for rules over the whole set). */
export interface RuleRun {
  observe(item: ScanItem): Finding[]
  finish?(): Finding[]
}

export interface Rule {
  meta: RuleMeta
  start(context: RuleContext): RuleRun
}

type Check = (recording: Recording, context: RuleContext) => Omit<Finding, 'rule' | 'key' | 'severity'> & {severity?: Severity} | undefined | false

/** Most rules look at one recording at a time. */
export function recordingRule(meta: RuleMeta, check: Check): Rule {
  return {
    meta,
    start: (context) => ({
      observe(item) {
        if (item.kind !== 'recording') return []
        const result = check(item.recording, context)
        return result ? [{rule: meta.id, severity: result.severity ?? meta.severity, key: item.recording.key, message: result.message, ...(result.dueAt ? {dueAt: result.dueAt} : {})}] : []
      },
    }),
  }
}

/** Where a field came from, short enough for a finding (the sidecar is the recording's own; `--explain` gives the rest). */
export function origin(field: Sourced<unknown>): string {
  return field.source === 'sidecar' ? 'sidecar' : sourceLabel(field)
}

/** `cdr: Master.csv:12`; a ref that already names its source (`filename:freepbx`) is not prefixed twice. */
export function sourceLabel(field: Sourced<unknown>): string {
  return field.ref.startsWith(`${field.source}:`) ? field.ref : `${field.source}: ${field.ref}`
}

export function describeDate(recording: Recording): string {
  const date = recording.fields.recordedAt
  return date ? `recorded ${date.value.slice(0, 10)} (${origin(date)})` : 'no date'
}

/** A hold counts while it has no end date or its end is still ahead. */
export function activeHold(recording: Pick<Recording, 'fields'>, today: string): boolean {
  const hold = recording.fields.legalHold?.value
  if (!hold) return false
  return !hold.until || hold.until >= today
}
