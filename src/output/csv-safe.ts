import {stringify, type Stringifier} from 'csv-stringify'

// A cell starting with one of these is a formula to a spreadsheet (CSV injection, OWASP): prefix it with a
// quote so it shows as text. Applied to every string cell of every CSV callrec writes.
const FORMULA_START = /^[=+\-@\t\r]/

export function neutralise(value: string): string {
  return FORMULA_START.test(value) ? `'${value}` : value
}

/** An RFC 4180 CSV stringifier whose string cells cannot run as formulas. */
export function safeCsv(columns: string[]): Stringifier {
  return stringify({
    header: true,
    columns,
    record_delimiter: 'windows',
    cast: {
      string: (value) => neutralise(value),
      boolean: (value) => (value ? 'yes' : 'no'),
      date: (value) => value.toISOString(),
    },
  })
}

/** Safe CSV rows written as they come, waiting for `write` and for the stringifier to drain. */
export function csvRows(columns: string[], write: (text: string) => Promise<void>): {row(record: object): Promise<void>; end(): Promise<void>} {
  const csv = safeCsv(columns)
  const drained = (async () => {
    for await (const chunk of csv) await write(String(chunk))
  })()
  return {
    row: async (record) => {
      if (!csv.write(record)) await new Promise((resolve) => csv.once('drain', resolve))
    },
    end: async () => {
      csv.end()
      await drained
    },
  }
}
