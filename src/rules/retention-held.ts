import {retentionOf} from '../policy/retention.js'
import {activeHold, describeDate, recordingRule} from './types.js'

export default recordingRule(
  {id: 'retention-held', severity: 'info', description: 'Past its retention but kept under a legal hold'},
  (recording, {policy, now, today}) => {
    const retention = retentionOf(recording, policy)
    if (!retention || retention.endsAt > now || !activeHold(recording, today)) return undefined
    const hold = recording.fields.legalHold!.value
    return {message: `${describeDate(recording)}: retention ended ${retention.endsAt.toISODate()}, kept under legal hold (${hold.reason}${hold.until ? ` until ${hold.until}` : ''})`}
  },
)
