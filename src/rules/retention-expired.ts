import {isoDay, isoInstant, retentionOf} from '../policy/retention.js'
import {activeHold, dateData, recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'retention-expired',
    severity: 'error',
    description: 'Kept past the retention of its purpose, counted from the call date (never a legal hold)',
    messages: {expired: 'recorded {{date}} ({{origin}}), purpose {{purpose}}: retention of {{duration}} ended {{end}}'},
  },
  (recording, {policy, now, today}) => {
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now.toMillis() || activeHold(recording, today)) return undefined
    return {
      messageId: 'expired',
      data: {...dateData(recording), purpose: retention.purpose, duration: retention.duration, end: isoDay(retention.endsAt)},
      dueAt: isoInstant(retention.endsAt),
    }
  },
)
