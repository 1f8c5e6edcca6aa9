import type {AuditSummary} from '../audit.js'
import type {Finding, Recording} from '../model.js'

export type Write = (text: string) => Promise<void>

export interface AuditWriter {
  recording?(recording: Recording): Promise<void>
  finding(finding: Finding): Promise<void>
  end(summary: AuditSummary): Promise<void>
}

/** ESLint's formatter shape: one file a format, one list in index.ts. */
export interface AuditFormat {
  id: string
  description: string
  /** True when rows go out as they come (memory does not grow with the archive). */
  streams: boolean
  create(write: Write, options: {showPersonal: boolean; color: boolean}): AuditWriter
}
