import {bareUniqueId} from '../probe/asterisk-id.js'
import type {Rule} from './types.js'

const meta = {id: 'orphan-cdr', severity: 'warning', description: 'A CDR row says the call was recorded, but no recording of it is in the archive'} as const

export default {
  meta,
  start: ({cdr, seenCallIds: seen}) => ({
    observe: () => [],
    *finish() {
      // streamed from the CDR index: a CDR of millions of rows never sits in memory
      for (const call of cdr.calls('recorded')) {
        if (seen.has(bareUniqueId(call.uniqueId))) continue
        yield {rule: meta.id, severity: meta.severity, key: call.ref, message: `call ${call.uniqueId} of ${call.start} is marked recorded${call.recordingFile ? ` (${call.recordingFile})` : ''} but no recording of it was found`}
      }
    },
  }),
} satisfies Rule
