import {csvRows} from '../output/csv-safe.js'
import {flatRow, rowColumns, type ComplianceFormat} from './compliance.js'

/** One row per recording, streamed; cells that a spreadsheet would run as formulas are neutralised. */
export default {
  id: 'csv',
  charts: false,
  create(write, {ruleIds}) {
    const csv = csvRows(rowColumns(ruleIds), write)
    return {row: (row) => csv.row(flatRow(row)), end: () => csv.end()}
  },
} satisfies ComplianceFormat
