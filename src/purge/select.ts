import type {DateTime} from 'luxon'
import type {Archive} from '../archive.js'
import {runAudit, type AuditSummary} from '../audit.js'
import type {Recording} from '../model.js'
import {REGULATORY_PURPOSES} from '../policy/defaults.js'
import {isoDay, isoInstant, retentionOf} from '../policy/retention.js'
import {toE164} from '../probe/phone.js'
import {activeHold} from '../rules/types.js'

/** The only rules purge can act on. */
export const PURGE_RULES = ['retention-expired', 'caller-objected', 'empty-recording'] as const
/** What purge selects without --rule: empty recordings only when asked for. */
export const DEFAULT_PURGE_RULES = ['retention-expired', 'caller-objected'] as const
/** What selects a recording under `purge --caller`. */
export const ERASURE = 'erasure-request'

/** One file of a recording as scanned: `x.wav`, or its encrypted form `x.wav.age`. */
export interface Form {
  key: string
  size: number
  modifiedAt: string
}

/** A recording to delete, with the facts its journal entry and the certificate need. */
export interface Candidate {
  /** The key without `.age`: the plain and the encrypted form of one recording are one candidate. */
  id: string
  forms: Form[]
  sidecarKey?: string
  rules: string[]
  recordedAt?: {value: string; source: string}
  purpose?: string
  retention?: {duration: string; endedAt: string}
  callId?: string
  /** Kept in memory for matching holds again before deletion; never written. */
  caller?: string
  callee?: string
}

/** Why a candidate was due, as the journal entry and the certificate row both state it (same names, same order). */
export function dueFacts(candidate: Pick<Candidate, 'recordedAt' | 'purpose' | 'retention'>) {
  return {
    recordedAt: candidate.recordedAt?.value,
    recordedAtSource: candidate.recordedAt?.source,
    purpose: candidate.purpose,
    retention: candidate.retention?.duration,
    retentionEndedAt: candidate.retention?.endedAt,
  }
}

export interface Selection {
  candidates: Map<string, Candidate>
  /** Would be selected, but under an active legal hold; `objectLock` when S3 Object Lock is what holds it (S3 would refuse the deletion). */
  held: {key: string; why: string; objectLock?: boolean}[]
  /** `--caller`: kept, and why (GDPR art. 17(3)). */
  refused: {key: string; why: string}[]
  /** retention-expired: recordings it cannot judge (no retention), by reason; purge leaves them, the plan says so. */
  unjudged: Partial<Record<UnjudgedReason, number>>
  /** retention-expired: recordings judged from the file's mtime, for want of a call date. */
  datedFromMtime: number
  /** What the scan could not look at (a folder that cannot be listed): what it holds can be neither kept nor deleted knowingly. */
  failed: {key: string; error: string}[]
  /** How many scanned recordings pair with each sidecar: the sidecar goes with the last of them. */
  sidecarUsers: Map<string, number>
  /** When the scan began (ms): a sidecar not modified since was read after it and need not be read again. */
  scanStartedAt: number
  summary: AuditSummary
}

export type UnjudgedReason = 'no-purpose' | 'unknown-purpose' | 'no-date'

/** Why retention cannot be counted for a recording, if it cannot. */
export function unjudgedReason(recording: Recording, purposes: Record<string, unknown>): UnjudgedReason | undefined {
  const purpose = recording.fields.purpose?.value
  if (purpose === undefined) return 'no-purpose'
  if (!purposes[purpose]) return 'unknown-purpose'
  if (!recording.fields.recordedAt) return 'no-date'
  return undefined
}

export type SelectBy = {rules: string[]} | {caller: string}

export const bareKey = (key: string) => key.replace(/\.age$/i, '')

/**
 * What purge would delete, chosen by the audit itself (runAudit with the purge rules, or every recording
 * of one number), minus every recording under an active legal hold. One scan, streaming; only candidates
 * are kept in memory.
 */
export async function selectForPurge(archive: Archive, now: DateTime, by: SelectBy, options: {allowEmpty?: boolean} = {}): Promise<Selection> {
  const selection: Selection = {candidates: new Map(), held: [], refused: [], unjudged: {}, datedFromMtime: 0, failed: [], sidecarUsers: new Map(), scanStartedAt: 0, summary: undefined as unknown as AuditSummary}
  const heldIds = new Set<string>()
  let current: Recording | undefined
  const number = 'caller' in by ? toE164(by.caller, archive.policy.country) : undefined
  const select = (recording: Recording, rule: string) => {
    const id = bareKey(recording.key)
    const candidate = selection.candidates.get(id) ?? newCandidate(archive, recording, id)
    if (!candidate.forms.some((form) => form.key === recording.key)) candidate.forms.push({key: recording.key, size: recording.size, modifiedAt: recording.modifiedAt})
    if (!candidate.rules.includes(rule)) candidate.rules.push(rule)
    selection.candidates.set(id, candidate)
  }
  const hold = (recording: Recording) => {
    const {value, source, ref} = recording.fields.legalHold!
    heldIds.add(bareKey(recording.key))
    if (selection.held.at(-1)?.key === recording.key) return
    selection.held.push({key: recording.key, why: `legal hold "${value.reason}"${value.until ? ` until ${value.until}` : ''} (${source}: ${ref})`, ...(source === 'object-lock' ? {objectLock: true} : {})})
  }

  const expiring = 'rules' in by && by.rules.includes('retention-expired')
  selection.scanStartedAt = Date.now()
  selection.summary = await runAudit(
    archive,
    {now, rules: 'rules' in by ? by.rules : [], allowEmpty: options.allowEmpty},
    {
      recording(recording) {
        current = recording
        if (recording.sidecarKey) selection.sidecarUsers.set(recording.sidecarKey, (selection.sidecarUsers.get(recording.sidecarKey) ?? 0) + 1)
        const held = activeHold(recording, now.toISODate()!)
        if (held) heldIds.add(bareKey(recording.key))
        if (expiring) {
          const reason = unjudgedReason(recording, archive.policy.purposes)
          if (reason) selection.unjudged[reason] = (selection.unjudged[reason] ?? 0) + 1
          else if (recording.fields.recordedAt?.source === 'mtime') selection.datedFromMtime++
        }
        // retention-expired stays silent on a held recording: the plan still names it as kept.
        if (held && expiring && (retentionOf(recording, archive.policy)?.endsAt ?? Infinity) < now.toMillis()) hold(recording)
        if (number === undefined || !isParty(recording, number, archive.policy.country)) return
        if (held) return hold(recording)
        const obligation = legalObligation(archive, recording, now)
        if (obligation) selection.refused.push({key: recording.key, why: obligation})
        else select(recording, ERASURE)
      },
      failed({key, reason}) {
        selection.failed.push({key, error: reason})
      },
      finding(finding) {
        if (finding.key !== current?.key) return
        if (activeHold(current, now.toISODate()!)) hold(current)
        else select(current, finding.rule)
      },
    },
  )
  // Both forms of a recording go together or not at all: a hold on one keeps the other.
  for (const id of heldIds) selection.candidates.delete(id)
  return selection
}

function newCandidate(archive: Archive, recording: Recording, id: string): Candidate {
  const {fields} = recording
  const retention = retentionOf(recording, archive.policy)
  return {
    id,
    forms: [],
    sidecarKey: recording.sidecarKey,
    rules: [],
    recordedAt: fields.recordedAt && {value: fields.recordedAt.value, source: fields.recordedAt.source},
    purpose: fields.purpose?.value,
    retention: retention && {duration: retention.duration, endedAt: isoInstant(retention.endsAt)},
    callId: fields.callId?.value,
    caller: fields.caller?.value,
    callee: fields.callee?.value,
  }
}

/** Whether the number took part in the call, as caller or callee, whatever format each source wrote it in. */
export function isParty(recording: Recording, e164: string, country: string): boolean {
  return [recording.fields.caller?.value, recording.fields.callee?.value].some((value) => value !== undefined && toE164(value, country) === e164)
}

/**
 * Why a recording must be kept despite an erasure request (GDPR art. 17(3)(b)): its purpose is imposed by
 * law (a regulatory purpose, or a legal basis naming a legal obligation) and its retention has not ended.
 */
function legalObligation(archive: Archive, recording: Recording, now: DateTime): string | undefined {
  const retention = retentionOf(recording, archive.policy)
  if (!retention || retention.endsAt <= now.toMillis()) return undefined
  const purpose = archive.policy.purposes[retention.purpose]
  const imposed = retention.purpose in REGULATORY_PURPOSES || /legal obligation|obligation l[ée]gale|6\s*\(1\)\s*\(c\)|6\.1\.c/i.test(purpose.legalBasis ?? '')
  if (!imposed) return undefined
  const reference = purpose.reference ?? purpose.legalBasis
  return `kept for a legal obligation (GDPR art. 17(3)(b)): purpose ${retention.purpose}${reference ? ` (${reference})` : ''}, retention ${retention.duration} until ${isoDay(retention.endsAt)}`
}
