import {safeCsv} from './csv-safe.js'
import type {AuditFormat} from './types.js'

const FINDING_COLUMNS = ['rule', 'severity', 'key', 'message', 'dueAt']

export default {
  id: 'csv',
  description: 'one finding a row (RFC 4180, safe to open in a spreadsheet), streamed',
  streams: true,
  create(write) {
    const csv = safeCsv(FINDING_COLUMNS)
    const drained = (async () => {
      for await (const chunk of csv) await write(String(chunk))
    })()
    return {
      finding: async (finding) => {
        if (!csv.write(finding)) await new Promise((resolve) => csv.once('drain', resolve))
      },
      end: async () => {
        csv.end()
        await drained
      },
    }
  },
} satisfies AuditFormat
