import type {Stringifier} from 'csv-stringify'
import {lazy} from '../lazy.js'
import type {Pending, Write} from './types.js'

// Loaded when a CSV is written: other outputs need not pay its start-up.
const csvStringify = lazy<typeof import('csv-stringify')>('csv-stringify')

// A cell whose first non-blank character is one of these is a formula to a spreadsheet (CSV injection, OWASP):
// ` =2+2` runs in Excel and LibreOffice just as `=2+2` does. Such a cell gets a leading quote so it shows as text.
const FORMULA_START = /^[\s\u00a0\u3000]*[=+\-@\uff1d\uff0b\uff0d\uff20]|^[\t\r\n]/

// A spreadsheet in a `;` locale (French Excel, LibreOffice set to `;`) splits a comma-separated file on every `;`,
// quotes or not (a quote only counts at the start of a field): `x;=1+1` becomes a cell `=1+1`. So a formula
// character after a `;` (or a tab, another common separator) gets the same leading quote.
const FORMULA_AFTER_SEPARATOR = /([;\t][\s\u00a0\u3000]*)(?=[=+\-@\uff1d\uff0b\uff0d\uff20])/g

export function neutralise(value: string): string {
  const inner = value.replace(FORMULA_AFTER_SEPARATOR, "$1'")
  return FORMULA_START.test(inner) ? `'${inner}` : inner
}

// RFC 4180 quotes a field holding the delimiter, a quote or a line break. csv-stringify checks the record
// delimiter as a whole (CRLF here), so a lone LF or CR has to be named; a semicolon is quoted too, because
// French Excel splits on `;` and would read `x;=1+1` as a second cell holding a formula.
const QUOTED = [/[\r\n";,]/]

/** An RFC 4180 CSV stringifier whose string cells cannot run as formulas, in a `,` or a `;` spreadsheet locale. */
export function safeCsv(columns: string[]): Stringifier {
  return csvStringify().stringify({
    header: true,
    columns,
    record_delimiter: 'windows',
    quoted_match: QUOTED,
    cast: {
      string: (value) => neutralise(value),
      boolean: (value) => (value ? 'yes' : 'no'),
      date: (value) => value.toISOString(),
    },
  })
}

/** Safe CSV rows written as they come, waiting for `write` and for the stringifier to drain. */
export function csvRows(columns: string[], write: Write): {row(record: object): Pending; end(): Promise<void>} {
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
