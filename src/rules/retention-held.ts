import {isoDay, retentionOf} from '../policy/retention.js'
import {activeHold, dateData, recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'retention-held',
    severity: 'info',
    description: 'Past its retention but kept under a legal hold',
    messages: {
      held: 'recorded {{date}} ({{origin}}): retention ended {{end}}, kept under legal hold ({{reason}})',
      heldUntil: 'recorded {{date}} ({{origin}}): retention ended {{end}}, kept under legal hold ({{reason}} until {{until}})',
    },
  },
  (recording, {policy, now, today}) => {
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now.toMillis() || !activeHold(recording, today)) return undefined
    const hold = recording.fields.legalHold!.value
    const data = {...dateData(recording), end: isoDay(retention.endsAt), reason: hold.reason}
    return hold.until ? {messageId: 'heldUntil', data: {...data, until: hold.until}} : {messageId: 'held', data}
  },
)
