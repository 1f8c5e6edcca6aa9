import {retentionOf} from '../policy/retention.js'
import {activeHold, describeDate, recordingRule} from './types.js'

// In a versioned bucket an overwrite keeps the old version and a plain DELETE only adds a delete marker: the
// recording is still stored, and past its retention that is a retention breach like any other.
export default recordingRule(
  {id: 'noncurrent-version', severity: 'error', description: 'Older S3 versions, or data behind a delete marker, still stored past retention'},
  (recording, {policy, now, today}) => {
    const stored = recording.stored
    if (!stored?.noncurrentVersions && !stored?.deleteMarked) return undefined
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now || activeHold(recording, today)) return undefined
    const what = [
      stored.deleteMarked ? 'deleted with a delete marker, yet its data is still stored' : undefined,
      stored.noncurrentVersions ? `${stored.noncurrentVersions} older version(s) still stored` : undefined,
    ].filter(Boolean)
    return {
      message: `${what.join('; ')}: ${describeDate(recording)}, retention of ${retention.duration} ended ${retention.endsAt.toISODate()} (purge deletes every version)`,
      dueAt: retention.endsAt.toISO()!,
    }
  },
)
