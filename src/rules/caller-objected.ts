import {origin, recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'caller-objected',
    severity: 'error',
    description: 'The caller objected to the recording: it should not exist',
    messages: {objected: 'the caller objected ({{origin}}): the recording must be deleted'},
  },
  (recording) => {
    const objected = recording.fields.callerObjected
    return objected?.value === true && {messageId: 'objected', data: {origin: origin(objected)}}
  },
)
