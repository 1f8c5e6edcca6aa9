import {safeCsv} from '../output/csv-safe.js'
import {flatRow, rowColumns, type ComplianceFormat} from './compliance.js'

/** One row per recording, streamed; cells that a spreadsheet would run as formulas are neutralised. */
export default {
  id: 'csv',
  charts: false,
  create(write, {ruleIds}) {
    const csv = safeCsv(rowColumns(ruleIds))
    const drained = (async () => {
      for await (const chunk of csv) await write(String(chunk))
    })()
    return {
      row: async (row) => {
        if (!csv.write(flatRow(row))) await new Promise((resolve) => csv.once('drain', resolve))
      },
      end: async () => {
        csv.end()
        await drained
      },
    }
  },
} satisfies ComplianceFormat
