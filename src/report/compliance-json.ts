import {verdictOf, type ComplianceFormat} from './compliance.js'

/** The CSV's rows as JSON, streamed one row a line inside `{"rows": [...], "verdict", "summary"}`. */
export default {
  id: 'json',
  charts: false,
  create(write) {
    let first = true
    return {
      row: async (row) => {
        await write(`${first ? '{"rows": [\n' : ',\n'}${JSON.stringify(row)}`)
        first = false
      },
      end: (summary) => write(`${first ? '{"rows": [' : '\n'}],\n"verdict": ${JSON.stringify(verdictOf(summary))},\n"summary": ${JSON.stringify(summary)}}\n`),
    }
  },
} satisfies ComplianceFormat
