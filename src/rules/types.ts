import type {DateTime} from 'luxon'
import {detail, fillTemplate} from '../details.js'
import type {Finding, MessageData, Recording, Severity, Sourced} from '../model.js'
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

/**
 * ESLint's shape: a rule is its meta plus a check. Ids are a contract: reports, purge and CI scripts use them.
 * `description` and `messages` are English; their French is in messages-fr.ts (a test checks every rule has it),
 * and text.ts renders either language. A check reports a message id and the values of its {{placeholders}}.
 */
export interface RuleMeta {
  id: string
  description: string
  /** The severity of its findings unless a finding says otherwise. */
  severity: Severity
  /** Message id → English template with {{placeholders}}. */
  messages: Record<string, string>
  /** The placeholders whose values are the probe's details (src/details.ts), shown in the reader's language; `origin` always is. */
  details?: readonly string[]
}

/** What a rule sees during one audit: every scanned item, then the end of the scan (for rules over the whole set). */
export interface RuleRun {
  observe(item: ScanItem): Finding[]
  /** Findings over the whole set, as an iterable: a rule over a large CDR yields them one at a time. */
  finish?(): Iterable<Finding>
}

export interface Rule {
  meta: RuleMeta
  start(context: RuleContext): RuleRun
}

/** What a check reports: a message id of its rule and its data; a severity when not the rule's, a due date. */
export interface Report {
  messageId: string
  data?: MessageData
  severity?: Severity
  dueAt?: string
}


/** A finding of `meta`'s rule on `key`: its English message rendered now, its id and data kept for the reports. */
export function finding(meta: RuleMeta, key: string, report: Report): Finding {
  const template = meta.messages[report.messageId]
  if (template === undefined) throw new Error(`rule ${meta.id}: no message ${report.messageId}`)
  return {
    rule: meta.id,
    severity: report.severity ?? meta.severity,
    key,
    message: fillTemplate(template, report.data),
    messageId: report.messageId,
    ...(report.data ? {data: report.data} : {}),
    ...(report.dueAt ? {dueAt: report.dueAt} : {}),
  }
}

type Check = (recording: Recording, context: RuleContext) => Report | undefined | false

/** Most rules look at one recording at a time. */
export function recordingRule(meta: RuleMeta, check: Check): Rule {
  return {
    meta,
    start: (context) => ({
      observe(item) {
        if (item.kind !== 'recording') return []
        const result = check(item.recording, context)
        return result ? [finding(meta, item.recording.key, result)] : []
      },
    }),
  }
}

type EntryKind = Exclude<ScanItem['kind'], 'recording' | 'refused'>

/** Rules that report a listed entry of one kind that is not a recording (an orphan sidecar, a document, a nested archive). */
export function entryRule<K extends EntryKind>(meta: RuleMeta, kind: K, report: (item: Extract<ScanItem, {kind: K}>) => Report): Rule {
  return {
    meta,
    start: () => ({
      observe: (item) => (item.kind === kind ? [finding(meta, item.key, report(item as Extract<ScanItem, {kind: K}>))] : []),
    }),
  }
}

/** Where a field came from, short enough for a finding (the sidecar is the recording's own; `--explain` gives the rest). */
export {fillTemplate}

/** Where a value came from, as a finding's message says it: a detail (src/details.ts), so reports can translate it. */
export function origin(field: Sourced<unknown>): string {
  const ref = field.ref.startsWith(`${field.source}:`) ? field.ref.slice(field.source.length + 1) : field.ref
  switch (field.source) {
    case 'sidecar': return detail('fromSidecar')
    case 'tag': return detail('fromTag', {ref})
    case 'cdr': return detail('fromCdr', {ref})
    case 'filename': return detail('fromFilename', {pattern: ref})
    case 'mtime': return detail('fromMtime')
    case 'holds': return detail('fromHolds', {ref})
    case 'policy': return ref.startsWith('policy defaults.') ? detail('fromDefaults', {field: ref.slice('policy defaults.'.length)}) : detail('fromClassify', {rule: ref})
  }
}

/** `cdr: Master.csv:12`; a ref that already names its source (`filename:freepbx`) is not prefixed twice. */
export function sourceLabel(field: Sourced<unknown>): string {
  return field.ref.startsWith(`${field.source}:`) ? field.ref : `${field.source}: ${field.ref}`
}

/** The call date and where it came from, as messages show them. */
export function dateData(recording: Recording): MessageData {
  const date = recording.fields.recordedAt
  return date ? {date: date.value.slice(0, 10), origin: origin(date)} : {}
}

/** A hold counts while it has no end date or its end is still ahead. */
export function activeHold(recording: Pick<Recording, 'fields'>, today: string): boolean {
  const hold = recording.fields.legalHold?.value
  if (!hold) return false
  return !hold.until || hold.until >= today
}
