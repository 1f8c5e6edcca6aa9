import {readAsteriskCdr, type CdrColumn} from './asterisk.js'
import type {CdrFormat} from './types.js'

// cdr_custom with the mapping of Asterisk's configs/samples/cdr_custom.conf.sample:
// Master.csv => ${CSV_QUOTE(${CDR(clid)})},${CSV_QUOTE(${CDR(src)})},…,${CSV_QUOTE(${CDR(userfield)})},${CDR(sequence)}
// clid comes first and accountcode moves after amaflags; an unanswered call's answer is "" (quoted).
const COLUMNS: readonly CdrColumn[] = [
  'clid', 'src', 'dst', 'dcontext', 'channel', 'dstchannel', 'lastapp', 'lastdata', 'start', 'answer', 'end',
  'duration', 'billsec', 'disposition', 'amaflags', 'accountcode', 'uniqueid', 'userfield', 'sequence',
]

function layoutOf(fields: string[]): readonly CdrColumn[] | string {
  return fields.length === COLUMNS.length ? COLUMNS : `${fields.length} columns; the default cdr_custom.conf mapping writes ${COLUMNS.length}`
}

export const asteriskCustom: CdrFormat = {
  id: 'asterisk-custom',
  read: (input, file, timezone, sink) => readAsteriskCdr(input, file, timezone, layoutOf, sink),
}
