import {recordingRule} from './types.js'

export default recordingRule(
  {id: 'not-encrypted', severity: 'error', description: 'Stored in clear while the policy requires encryption at rest (age)'},
  (recording, {policy}) => policy.encryption.required && !recording.encrypted && !recording.stored?.archived && {message: 'stored in clear: run `callrec encrypt`'},
)
