import {origin, recordingRule} from './types.js'

export default recordingRule(
  {id: 'caller-objected', severity: 'error', description: 'The caller objected to the recording: it should not exist'},
  (recording) => {
    const objected = recording.fields.callerObjected
    return objected?.value === true && {message: `the caller objected (${origin(objected)}): the recording must be deleted`}
  },
)
