import {csvRows} from './csv-safe.js'
import {findingForDisplay} from './personal.js'
import type {AuditFormat} from './types.js'

const FINDING_COLUMNS = ['rule', 'severity', 'key', 'message', 'dueAt']

export default {
  id: 'csv',
  description: 'one finding a row (RFC 4180, safe to open in a spreadsheet), streamed',
  streams: true,
  create(write, {showPersonal}) {
    const csv = csvRows(FINDING_COLUMNS, write)
    return {finding: (finding) => csv.row(findingForDisplay(finding, showPersonal)), end: () => csv.end()}
  },
} satisfies AuditFormat
