import {DateTime} from 'luxon'
import type {AuditSummary} from '../audit.js'
import type {FieldSource, Finding, Recording, Severity} from '../model.js'
import {durationOf, isoInstant, retentionOf} from '../policy/retention.js'
import type {Policy} from '../policy/schema.js'
import retentionExpired from '../rules/retention-expired.js'
import type {AgentDay} from '../rules/systematic-recording.js'
import {activeHold} from '../rules/types.js'
import type {Pending, Write} from '../output/types.js'
import type {Lang} from './register-labels.js'

// The compliance report's data: one verdict row per recording (each rule yes/no and the facts the verdict rests
// on), and the few counts its charts need. Rows stream out; only counts and the findings stay in memory.

export interface ComplianceRow {
  /**
   * `recording`: one row per recording, its verdict over every rule. `finding`: a finding tied to no one
   * recording (an orphan sidecar, a CDR row, an agent's day, a file not followed), one row each, its rule `yes`
   * and its message, so that the CSV shows every finding the audit reported.
   */
  kind: 'recording' | 'finding'
  key: string
  /** The worst severity among the recording's findings, or ok. */
  verdict: Severity | 'ok'
  /** Rule id → whether it found something in this recording. */
  rules: Record<string, boolean>
  recordedAt?: string
  recordedAtSource?: FieldSource
  purpose?: string
  retentionEnd?: string
  encrypted?: boolean
  hold?: boolean
  /** A `finding` row's message. */
  message?: string
}

/** A compliance output format: rows as they come, findings as they come, then the end of the audit. */
interface ComplianceWriter {
  /** `recording` is undefined for a `finding` row. */
  row(row: ComplianceRow, recording?: Recording): Pending
  finding?(finding: Finding): Pending
  end(summary: AuditSummary, extras: {agentDays?: AgentDay[]}): Pending
}

export interface ComplianceFormat {
  id: string
  /** True when the format needs the CDR's per agent and day shares at the end. */
  charts: boolean
  create(write: Write, context: {policy: Policy; now: DateTime; lang: Lang; ruleIds: string[]}): ComplianceWriter
}

export type Verdict = 'error' | 'warning' | 'ok'

/** The headline: any error fails, warnings ask for a look. */
export function verdictOf(summary: AuditSummary): Verdict {
  return summary.findings.error > 0 ? 'error' : summary.findings.warning > 0 ? 'warning' : 'ok'
}

const RANK: Record<Severity | 'ok', number> = {ok: 0, info: 1, warning: 2, error: 3}

interface RowSink {
  recording(recording: Recording): Promise<void>
  finding(finding: Finding): Promise<void>
  /** Hands out the last row. */
  end(): Promise<void>
}

/**
 * Joins each recording with its findings into a row. The audit reports a recording's findings right after the
 * recording and before the next one (rules observe one scan item at a time), so a row is complete when the next
 * recording arrives: rows go out with a lag of one. A finding on another key (a CDR row, an orphan sidecar, an
 * agent's day) is a row of its own.
 */
export function rowJoiner(policy: Policy, now: DateTime, ruleIds: string[], onRow: (row: ComplianceRow, recording?: Recording) => Promise<void>): RowSink {
  let pending: {row: ComplianceRow; recording: Recording} | undefined
  const flush = async () => {
    if (pending) await onRow(pending.row, pending.recording)
    pending = undefined
  }
  return {
    async recording(recording) {
      await flush()
      const date = recording.fields.recordedAt
      const retentionEnd = retentionOf(recording, policy)?.endsAt
      pending = {
        recording,
        row: {
          kind: 'recording',
          key: recording.key,
          verdict: 'ok',
          rules: Object.fromEntries(ruleIds.map((id) => [id, false])),
          recordedAt: date?.value,
          recordedAtSource: date?.source,
          purpose: recording.fields.purpose?.value,
          retentionEnd: retentionEnd === undefined ? undefined : isoInstant(retentionEnd),
          encrypted: recording.encrypted,
          hold: activeHold(recording, now.toISODate()!),
        },
      }
    },
    async finding(finding) {
      if (finding.key !== pending?.row.key) {
        const rules = Object.fromEntries(ruleIds.map((id) => [id, id === finding.rule]))
        return onRow({kind: 'finding', key: finding.key, verdict: finding.severity, rules, message: finding.message})
      }
      pending.row.rules[finding.rule] = true
      if (RANK[finding.severity] > RANK[pending.row.verdict]) pending.row.verdict = finding.severity
    },
    end: flush,
  }
}

/** The columns of the CSV: rule ids between the verdict and the facts; a finding row's message last. */
export function rowColumns(ruleIds: string[]): string[] {
  return ['kind', 'key', 'verdict', ...ruleIds, 'recordedAt', 'recordedAtSource', 'purpose', 'retentionEnd', 'encrypted', 'hold', 'message']
}

export function flatRow(row: ComplianceRow): Record<string, unknown> {
  const {rules, ...facts} = row
  return {...facts, ...rules}
}

/** Ages are counted in whole months up to this many; older recordings share the last bar. */
export const MAX_MONTHS = 72

export interface ComplianceStats {
  /** ageByPurpose[purpose][months] = recordings of that age in whole months. */
  ageByPurpose: Map<string, number[]>
  months: number
  perPurpose: Map<string, {within: number; expired: number; held: number}>
  encrypted: number
  notice: {played: number; notPlayed: number; unknown: number}
}

export const UNKNOWN_PURPOSE = '?'

/** Counts for the charts, fed one row at a time. */
export function statsCollector(policy: Policy, now: DateTime) {
  const limits = Object.values(policy.purposes).map((purpose) => Math.ceil(durationOf(purpose.retention).as('months')))
  const stats: ComplianceStats = {
    ageByPurpose: new Map(),
    months: Math.min(MAX_MONTHS, Math.max(0, ...limits) + 1),
    perPurpose: new Map(),
    encrypted: 0,
    notice: {played: 0, notPlayed: 0, unknown: 0},
  }
  return {
    stats,
    add(row: ComplianceRow, recording?: Recording) {
      if (!recording) return
      const purpose = row.purpose ?? UNKNOWN_PURPOSE
      if (row.recordedAt) {
        const age = Math.max(0, Math.floor(now.diff(DateTime.fromISO(row.recordedAt), 'months').months))
        stats.months = Math.min(MAX_MONTHS, Math.max(stats.months, age + 1))
        const ages = stats.ageByPurpose.get(purpose) ?? []
        ages[Math.min(age, MAX_MONTHS - 1)] = (ages[Math.min(age, MAX_MONTHS - 1)] ?? 0) + 1
        stats.ageByPurpose.set(purpose, ages)
      }
      const counts = stats.perPurpose.get(purpose) ?? {within: 0, expired: 0, held: 0}
      if (row.hold) counts.held++
      else if (row.rules[retentionExpired.meta.id]) counts.expired++
      else counts.within++
      stats.perPurpose.set(purpose, counts)
      if (row.encrypted) stats.encrypted++
      const notice = recording.fields.noticePlayed?.value
      if (notice === true) stats.notice.played++
      else if (notice === false) stats.notice.notPlayed++
      else stats.notice.unknown++
    },
  }
}
