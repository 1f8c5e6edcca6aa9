import {origin, recordingRule} from './types.js'

export default recordingRule(
  {id: 'consent-missing', severity: 'error', description: 'No record that the caller was informed of the recording and of the right to object'},
  (recording) => {
    const notice = recording.fields.noticePlayed
    if (notice?.value === true) return undefined
    if (notice) return {message: `the caller was not informed (noticePlayed: false, ${origin(notice)})`}
    return {severity: 'warning', message: 'unknown whether the caller was informed: no noticePlayed in any source'}
  },
)
