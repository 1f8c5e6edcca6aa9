import {origin, recordingRule} from './types.js'

export default recordingRule(
  {id: 'legal-hold-expired', severity: 'warning', description: 'A legal hold whose end date has passed: release it or extend it'},
  (recording, {today}) => {
    const hold = recording.fields.legalHold
    return hold?.value.until !== undefined && hold.value.until < today && {message: `legal hold "${hold.value.reason}" ended ${hold.value.until} (${origin(hold)})`}
  },
)
