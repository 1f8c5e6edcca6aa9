import {retentionOf} from '../policy/retention.js'
import {activeHold, describeDate, recordingRule} from './types.js'

export default recordingRule(
  {id: 'retention-expired', severity: 'error', description: 'Kept past the retention of its purpose, counted from the call date (never a legal hold)'},
  (recording, {policy, now, today}) => {
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now || activeHold(recording, today)) return undefined
    return {
      message: `${describeDate(recording)}, purpose ${retention.purpose}: retention of ${retention.duration} ended ${retention.endsAt.toISODate()}`,
      dueAt: retention.endsAt.toISO()!,
    }
  },
)
