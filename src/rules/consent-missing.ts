import {origin, recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'consent-missing',
    severity: 'error',
    description: 'No record that the caller was informed of the recording and of the right to object',
    messages: {
      notInformed: 'the caller was not informed (noticePlayed: false, {{origin}})',
      unknown: 'unknown whether the caller was informed: no noticePlayed in any source',
    },
  },
  (recording) => {
    const notice = recording.fields.noticePlayed
    if (notice?.value === true) return undefined
    if (notice) return {messageId: 'notInformed', data: {origin: origin(notice)}}
    return {severity: 'warning', messageId: 'unknown'}
  },
)
