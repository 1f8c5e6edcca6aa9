import type {AuditSummary} from '../audit.js'
import type {Finding, Recording} from '../model.js'

/** Writes text; a promise only when the reader is behind (wait for it), so a fast reader costs no promise per line. */
export type Write = (text: string) => Pending
/** Done, or a promise of being done: a caller awaits only what is not done yet. */
export type Pending = void | Promise<void>

export interface AuditWriter {
  recording?(recording: Recording): Pending
  finding(finding: Finding): Pending
  end(summary: AuditSummary): Pending
}

/** ESLint's formatter shape: one file a format, one list in index.ts. */
export interface AuditFormat {
  id: string
  description: string
  /** True when rows go out as they come (memory does not grow with the archive). */
  streams: boolean
  create(write: Write, options: {showPersonal: boolean; color: boolean}): AuditWriter
}
