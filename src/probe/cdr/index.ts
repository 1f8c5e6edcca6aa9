import {asteriskCsv} from './asterisk-csv.js'
import {asteriskCustom} from './asterisk-custom.js'
import type {CdrCall, CdrFormat, CdrProblem} from './types.js'

export const CDR_FORMATS: CdrFormat[] = [asteriskCsv, asteriskCustom]

/** Parses a CDR index in the named layout; its times are read in `timezone` (IANA or UTC) and returned in UTC. */
export function parseCdr(bytes: Buffer, file: string, format: CdrFormat['id'], timezone: string): {calls: CdrCall[]; problems: CdrProblem[]} {
  const layout = CDR_FORMATS.find((candidate) => candidate.id === format)
  if (!layout) throw new Error(`${format}: not a CDR format (${CDR_FORMATS.map((candidate) => candidate.id).join(', ')})`)
  return layout.parse(bytes, file, timezone)
}
