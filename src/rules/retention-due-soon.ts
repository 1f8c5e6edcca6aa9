import {retentionOf} from '../policy/retention.js'
import {activeHold, describeDate, recordingRule} from './types.js'

export default recordingRule(
  {id: 'retention-due-soon', severity: 'warning', description: "Reaches the end of its retention within the policy's dueSoon window"},
  (recording, {policy, now, today, dueHorizon}) => {
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt <= now || retention.endsAt > dueHorizon || activeHold(recording, today)) return undefined
    return {
      message: `${describeDate(recording)}, purpose ${retention.purpose}: retention of ${retention.duration} ends ${retention.endsAt.toISODate()}`,
      dueAt: retention.endsAt.toISO()!,
    }
  },
)
