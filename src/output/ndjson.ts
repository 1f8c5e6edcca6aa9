import type {AuditFormat} from './types.js'

export default {
  id: 'ndjson',
  description: 'one JSON finding a line, streamed',
  streams: true,
  create: (write) => ({
    finding: (finding) => write(JSON.stringify(finding) + '\n'),
    end: async () => {},
  }),
} satisfies AuditFormat
