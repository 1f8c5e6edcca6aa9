// The data model shared by every concern: what the probe knows of a recording, and what rules say of it.

export type Severity = 'error' | 'warning' | 'info'
export const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info']

/** Where a field's value came from, strongest first in the default merge order; `holds` is the holds file (legalHold only). */
export type FieldSource = 'holds' | 'sidecar' | 'tag' | 'object-metadata' | 'object-tags' | 'object-lock' | 'cdr' | 'filename' | 'policy' | 'mtime'

export interface Sourced<T> {
  value: T
  source: FieldSource
  /** What exactly: the sidecar's key, `Master.csv:12`, `filename:freepbx`, `ID3v2.4:TXXX:PURPOSE`. */
  ref: string
}

export type Direction = 'inbound' | 'outbound' | 'internal'

export interface LegalHold {
  reason: string
  since?: string
  until?: string
}

/** The call facts a recording can carry, whatever the source. Dates are ISO 8601 in UTC. */
export interface CallFields {
  callId: string
  recordedAt: string
  purpose: string
  noticePlayed: boolean
  callerObjected: boolean
  agent: string
  caller: string
  callee: string
  direction: Direction
  queue: string
  legalHold: LegalHold
  paymentTaken: boolean
}

export type SourcedFields = {[K in keyof CallFields]?: Sourced<CallFields[K]>}
export type PartialFields = Partial<CallFields>

export interface AudioInfo {
  container?: string
  codec?: string
  durationSec?: number
  sampleRate?: number
  channels?: number
}

export interface Problem {
  origin: 'sidecar' | 'tag' | 'object-metadata' | 'object-tags'
  /** The file or tag at fault: a sidecar key, `ID3v2.4:TXXX:purpose`. */
  source: string
  /** A field the data model does not know: listed, never kept (data minimisation), not an error. */
  unknown?: boolean
  field?: string
  message: string
}

/** What an object store says of a recording's object (S3): archive storage class, older versions, delete marker, Object Lock. */
export interface StoredObject {
  archived?: string
  noncurrentVersions?: number
  deleteMarked?: boolean
  objectLock?: {legalHold?: boolean; mode?: string; retainUntil?: string}
}

export interface Recording {
  key: string
  size: number
  modifiedAt: string
  stored?: StoredObject
  /** Sniffed from the first bytes (age header), never from the name. */
  encrypted: boolean
  audio?: AudioInfo
  /** Why the audio could not be read, when it could not (and the file is not encrypted). */
  unreadable?: string
  fields: SourcedFields
  sidecarKey?: string
  /** The CDR row the recording joined, with the fields classify rules read (dialplan context, userfield, account code). */
  cdr?: {ref: string; uniqueId: string; dcontext?: string; userField?: string; accountCode?: string}
  /** Invalid sidecar fields and similar, each named; the audit goes on. */
  problems: Problem[]
}

/** Values a message's {{placeholders}} take: dates, counts, ids, and text read from the archive or the policy (shown as written). */
export type MessageData = Record<string, string | number>

export interface Finding {
  rule: string
  severity: Severity
  key: string
  /** The message in English, as the CLI, JSON and CSV outputs give it; reports render `messageId` in their language. */
  message: string
  /** The rule's message id (its meta.messages), and the values of its placeholders. */
  messageId?: string
  data?: MessageData
  dueAt?: string
}
