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
