import {findingForDisplay} from './personal.js'
import type {AuditFormat} from './types.js'

export default {
  id: 'ndjson',
  description: 'one JSON finding a line, streamed',
  streams: true,
  create: (write, {showPersonal}) => ({
    finding: (finding) => write(JSON.stringify(findingForDisplay(finding, showPersonal)) + '\n'),
    end: async () => {},
  }),
} satisfies AuditFormat
