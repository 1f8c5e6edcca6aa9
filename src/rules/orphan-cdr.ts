import {bareUniqueId} from '../probe/asterisk-id.js'
import {finding, type Rule} from './types.js'

const meta = {
  id: 'orphan-cdr',
  severity: 'warning',
  description: 'A CDR row says the call was recorded, but no recording of it is in the archive',
  messages: {
    missing: 'call {{call}} of {{start}} is marked recorded but no recording of it was found',
    missingFile: 'call {{call}} of {{start}} is marked recorded ({{file}}) but no recording of it was found',
  },
} as const

export default {
  meta,
  start: ({cdr, seenCallIds: seen}) => ({
    observe: () => [],
    *finish() {
      // streamed from the CDR index: a CDR of millions of rows never sits in memory
      for (const call of cdr.calls('recorded')) {
        if (seen.has(bareUniqueId(call.uniqueId))) continue
        yield finding(meta, call.ref, call.recordingFile ? {messageId: 'missingFile', data: {call: call.uniqueId, start: call.start, file: call.recordingFile}} : {messageId: 'missing', data: {call: call.uniqueId, start: call.start}})
      }
    },
  }),
} satisfies Rule
