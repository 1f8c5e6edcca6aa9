import {recordingRule} from './types.js'

// Reading an object in an archive storage class needs a restore (hours, and a cost): callrec does not ask for one.
export default recordingRule(
  {
    id: 'archived-not-read',
    severity: 'info',
    description: 'In an S3 archive storage class: its audio header was not read',
    messages: {archived: 'in storage class {{storageClass}}: audio header not read (no restore asked); verdicts from its name, sidecar, CDR and metadata'},
  },
  (recording) => recording.stored?.archived !== undefined && {messageId: 'archived', data: {storageClass: recording.stored.archived}},
)
