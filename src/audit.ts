import type {DateTime} from 'luxon'
import type {Archive} from './archive.js'
import {loadHolds} from './holds/index.js'
import type {Finding, Recording, Severity} from './model.js'
import {durationOf} from './policy/retention.js'
import {bareUniqueId} from './probe/asterisk-id.js'
import {loadCdrIndex, type CdrIndex} from './probe/cdr-index.js'
import {scanArchive, type ScanOptions} from './probe/scan.js'
import {RULES} from './rules/index.js'
import type {RuleContext} from './rules/types.js'

export interface AuditSummary {
  archive: string
  policy: string
  /** The policy file read; absent when the CNIL defaults apply (reports say so in their language). */
  policyFile?: string
  now: string
  recordings: number
  bytes: number
  encrypted: number
  unreadable: number
  withNotice: number
  oldestRecordedAt?: string
  findings: Record<Severity, number>
  byRule: Record<string, number>
}

export interface AuditHandlers {
  recording?(recording: Recording): void | Promise<void>
  finding?(finding: Finding): void | Promise<void>
  /** An entry the scan could not read (a folder that cannot be listed): a failure for runs that change the archive. */
  failed?(item: {key: string; reason: string}): void | Promise<void>
  /** After the last finding: what the rules saw (CDR index, call ids), for outputs that chart it. */
  finish?(context: RuleContext): void | Promise<void>
}

export interface AuditOptions extends Pick<ScanOptions, 'timeoutMs' | 'select' | 'cache' | 'allowEmpty' | 'only'> {
  now: DateTime
  /** Only these rules (ids); all by default. */
  rules?: string[]
}

/**
 * store → records → rules → findings, streaming: each recording and finding goes to the handlers as soon
 * as it is known, so memory does not grow with the archive (only set-wide rules keep call ids).
 */
export async function runAudit(archive: Archive, options: AuditOptions, handlers: AuditHandlers = {}): Promise<AuditSummary> {
  const cdr = await loadCdrIndex(archive)
  try {
    return await auditWith(archive, cdr, options, handlers)
  } finally {
    cdr.close()
  }
}

async function auditWith(archive: Archive, cdr: CdrIndex, options: AuditOptions, handlers: AuditHandlers): Promise<AuditSummary> {
  const holds = await loadHolds(archive)
  const {now} = options
  const context: RuleContext = {policy: archive.policy, now, today: now.toISODate()!, dueHorizon: now.plus(durationOf(archive.policy.dueSoon)), cdr, seenCallIds: new Set()}
  const rules = options.rules ? RULES.filter((rule) => options.rules!.includes(rule.meta.id)) : RULES
  const runs = rules.map((rule) => rule.start(context))
  const summary: AuditSummary = {
    archive: archive.root,
    policy: archive.policyFile ?? 'CNIL defaults (no callrec.yml)',
    ...(archive.policyFile ? {policyFile: archive.policyFile} : {}),
    now: options.now.toISO()!,
    recordings: 0,
    bytes: 0,
    encrypted: 0,
    unreadable: 0,
    withNotice: 0,
    findings: {error: 0, warning: 0, info: 0},
    byRule: Object.fromEntries(rules.map((rule) => [rule.meta.id, 0])),
  }
  const report = async (findings: Iterable<Finding>) => {
    for (const finding of findings) {
      summary.findings[finding.severity]++
      summary.byRule[finding.rule]++
      const shown = handlers.finding?.(finding)
      if (shown) await shown
    }
  }

  const joinsCdr = archive.policy.cdr.length > 0
  for await (const items of scanArchive(archive, {...options, cdr, holds})) {
    for (const item of items) {
      if (item.kind === 'recording') {
        const {recording} = item
        count(summary, recording)
        // Only a CDR's rules ask which calls were recorded: without one, a million call ids need not be kept.
        if (joinsCdr) {
          const callId = recording.fields.callId?.value
          if (callId) context.seenCallIds.add(bareUniqueId(callId))
          // joined by the file name the CDR gives, the row's own uniqueid is seen too
          if (recording.cdr?.uniqueId) context.seenCallIds.add(bareUniqueId(recording.cdr.uniqueId))
        }
        const shown = handlers.recording?.(recording)
        if (shown) await shown
      } else if (item.kind === 'refused' && item.failed) await handlers.failed?.(item)
      // Most rules find nothing in most recordings: no await (a promise) for those.
      for (const run of runs) {
        const found = run.observe(item)
        if (found.length > 0) await report(found)
      }
    }
  }
  for (const run of runs) if (run.finish) await report(run.finish())
  await handlers.finish?.(context)
  return summary
}

function count(summary: AuditSummary, recording: Recording): void {
  summary.recordings++
  summary.bytes += recording.size
  if (recording.encrypted) summary.encrypted++
  if (recording.unreadable) summary.unreadable++
  if (recording.fields.noticePlayed?.value === true) summary.withNotice++
  const date = recording.fields.recordedAt?.value
  if (date && (!summary.oldestRecordedAt || date < summary.oldestRecordedAt)) summary.oldestRecordedAt = date
}

const RANK: Record<Severity, number> = {info: 0, warning: 1, error: 2}

/** Whether findings at or above `failOn` were found: the audit's exit code 1. */
export function failsAt(summary: AuditSummary, failOn: Severity | 'never'): boolean {
  if (failOn === 'never') return false
  return (Object.keys(summary.findings) as Severity[]).some((severity) => RANK[severity] >= RANK[failOn] && summary.findings[severity] > 0)
}
