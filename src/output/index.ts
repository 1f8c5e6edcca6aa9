// The one list of audit output formats: a new format is a new file and one line here.
import csv from './csv.js'
import json from './json.js'
import ndjson from './ndjson.js'
import table from './table.js'
import type {AuditFormat} from './types.js'

export const AUDIT_FORMATS: readonly AuditFormat[] = [table, json, ndjson, csv]
export const AUDIT_FORMAT_IDS = AUDIT_FORMATS.map((format) => format.id)

export function auditFormat(id: string): AuditFormat {
  return AUDIT_FORMATS.find((format) => format.id === id)!
}
