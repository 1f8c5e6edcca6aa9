// The one list of rules: a new rule is a new file here and one line below. Order is the report's order.
import callerObjected from './caller-objected.js'
import consentMissing from './consent-missing.js'
import dateFromMtime from './date-from-mtime.js'
import emptyRecording from './empty-recording.js'
import invalidCdr from './invalid-cdr.js'
import invalidSidecar from './invalid-sidecar.js'
import legalHoldExpired from './legal-hold-expired.js'
import nestedArchive from './nested-archive.js'
import notARecording from './not-a-recording.js'
import notEncrypted from './not-encrypted.js'
import orphanCdr from './orphan-cdr.js'
import orphanSidecar from './orphan-sidecar.js'
import purposeMissing from './purpose-missing.js'
import retentionDueSoon from './retention-due-soon.js'
import retentionExpired from './retention-expired.js'
import retentionHeld from './retention-held.js'
import systematicRecording from './systematic-recording.js'
import type {Rule} from './types.js'
import unreadable from './unreadable.js'
// S3: versions, Object Lock, archive storage classes.
import archivedNotRead from './archived-not-read.js'
import lockOutlastsRetention from './lock-outlasts-retention.js'
import noncurrentVersion from './noncurrent-version.js'

export const RULES: readonly Rule[] = [
  retentionExpired,
  retentionDueSoon,
  retentionHeld,
  callerObjected,
  consentMissing,
  purposeMissing,
  notEncrypted,
  unreadable,
  emptyRecording,
  dateFromMtime,
  invalidSidecar,
  orphanSidecar,
  orphanCdr,
  invalidCdr,
  systematicRecording,
  legalHoldExpired,
  notARecording,
  nestedArchive,
  noncurrentVersion,
  lockOutlastsRetention,
  archivedNotRead,
]

export function ruleById(id: string): Rule | undefined {
  return RULES.find((rule) => rule.meta.id === id)
}
