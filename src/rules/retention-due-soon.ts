import {isoDay, isoInstant, retentionOf} from '../policy/retention.js'
import {activeHold, dateData, recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'retention-due-soon',
    severity: 'warning',
    description: "Reaches the end of its retention within the policy's dueSoon window",
    messages: {dueSoon: 'recorded {{date}} ({{origin}}), purpose {{purpose}}: retention of {{duration}} ends {{end}}'},
  },
  (recording, {policy, now, today, dueHorizon}) => {
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt <= now.toMillis() || retention.endsAt > dueHorizon.toMillis() || activeHold(recording, today)) return undefined
    return {
      messageId: 'dueSoon',
      data: {...dateData(recording), purpose: retention.purpose, duration: retention.duration, end: isoDay(retention.endsAt)},
      dueAt: isoInstant(retention.endsAt),
    }
  },
)
