import {parseUniqueId} from '../asterisk-id.js'
import {readAsteriskCdr, type CdrColumn} from './asterisk.js'
import type {CdrFormat} from './types.js'
import {detail} from '../../details.js'

// cdr_csv's Master.csv: no header row; build_csv_record() in cdr/cdr_csv.c writes these 16 columns, then uniqueid
// when loguniqueid, userfield when loguserfield, and peeraccount, linkedid, sequence when newcdrcolumns (cdr.conf [csv]).
const BASE: readonly CdrColumn[] = [
  'accountcode', 'src', 'dst', 'dcontext', 'clid', 'channel', 'dstchannel', 'lastapp', 'lastdata',
  'start', 'answer', 'end', 'duration', 'billsec', 'disposition', 'amaflags',
]
const NEW_COLUMNS: readonly CdrColumn[] = ['peeraccount', 'linkedid', 'sequence']

function layoutOf(fields: string[]): readonly CdrColumn[] | string {
  // 17 or 20 columns: loguniqueid or loguserfield, not both; a uniqueid has its own shape, a userfield rarely has it.
  const one: CdrColumn = parseUniqueId(fields[16] ?? '') ? 'uniqueid' : 'userfield'
  switch (fields.length) {
    case 16: return BASE
    case 17: return [...BASE, one]
    case 18: return [...BASE, 'uniqueid', 'userfield']
    case 19: return [...BASE, ...NEW_COLUMNS]
    case 20: return [...BASE, one, ...NEW_COLUMNS]
    case 21: return [...BASE, 'uniqueid', 'userfield', ...NEW_COLUMNS]
    default: return detail('cdrColumns', {count: fields.length})
  }
}

export const asteriskCsv: CdrFormat = {
  id: 'asterisk-csv',
  read: (input, file, timezone, sink) => readAsteriskCdr(input, file, timezone, layoutOf, sink),
}
