import {recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'not-encrypted',
    severity: 'error',
    description: 'Stored in clear while the policy requires encryption at rest (age)',
    messages: {clear: 'stored in clear: run `callrec encrypt`'},
  },
  (recording, {policy}) => policy.encryption.required && !recording.encrypted && !recording.stored?.archived && {messageId: 'clear'},
)
