import {origin, recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'legal-hold-expired',
    severity: 'warning',
    description: 'A legal hold whose end date has passed: release it or extend it',
    messages: {ended: 'legal hold "{{reason}}" ended {{until}} ({{origin}})'},
  },
  (recording, {today}) => {
    const hold = recording.fields.legalHold
    return hold?.value.until !== undefined && hold.value.until < today && {messageId: 'ended', data: {reason: hold.value.reason, until: hold.value.until, origin: origin(hold)}}
  },
)
