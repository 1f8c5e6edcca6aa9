import {recordingRule} from './types.js'

export default recordingRule(
  {
    id: 'date-from-mtime',
    severity: 'warning',
    description: 'No call date in any source: retention is counted from the file modification time, which copies reset',
    messages: {mtime: "no call date in sidecar, tags, CDR or file name: retention counted from the file's mtime {{mtime}}"},
  },
  (recording) => recording.fields.recordedAt?.source === 'mtime' && {messageId: 'mtime', data: {mtime: recording.modifiedAt.slice(0, 10)}},
)
