import {isoDay, isoInstant, retentionOf} from '../policy/retention.js'
import {activeHold, dateData, recordingRule} from './types.js'

// In a versioned bucket an overwrite keeps the old version and a plain DELETE only adds a delete marker: the
// recording is still stored, and past its retention that is a retention breach like any other.
export default recordingRule(
  {
    id: 'noncurrent-version',
    severity: 'error',
    description: 'Older S3 versions, or data behind a delete marker, still stored past retention',
    messages: {
      deleteMarked: 'deleted with a delete marker, yet its data is still stored: recorded {{date}} ({{origin}}), retention of {{duration}} ended {{end}} (purge deletes every version)',
      noncurrent: '{{versions}} older version(s) still stored: recorded {{date}} ({{origin}}), retention of {{duration}} ended {{end}} (purge deletes every version)',
      both: 'deleted with a delete marker, yet its data is still stored; {{versions}} older version(s) still stored: recorded {{date}} ({{origin}}), retention of {{duration}} ended {{end}} (purge deletes every version)',
    },
  },
  (recording, {policy, now, today}) => {
    const stored = recording.stored
    if (!stored?.noncurrentVersions && !stored?.deleteMarked) return undefined
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now.toMillis() || activeHold(recording, today)) return undefined
    const messageId = stored.deleteMarked ? (stored.noncurrentVersions ? 'both' : 'deleteMarked') : 'noncurrent'
    return {
      messageId,
      data: {...dateData(recording), ...(stored.noncurrentVersions ? {versions: stored.noncurrentVersions} : {}), duration: retention.duration, end: isoDay(retention.endsAt)},
      dueAt: isoInstant(retention.endsAt),
    }
  },
)
