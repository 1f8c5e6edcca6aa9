import type {Readable} from 'node:stream'
import {asteriskCsv} from './asterisk-csv.js'
import {asteriskCustom} from './asterisk-custom.js'
import type {CdrFormat, CdrSink} from './types.js'

export const CDR_FORMATS: CdrFormat[] = [asteriskCsv, asteriskCustom]

/** Streams a CDR file in the named layout into `sink`; its times are read in `timezone` (IANA or UTC) and given in UTC. */
export function readCdrFile(input: Readable, file: string, format: CdrFormat['id'], timezone: string, sink: CdrSink): Promise<void> {
  const layout = CDR_FORMATS.find((candidate) => candidate.id === format)
  if (!layout) throw new Error(`${format}: not a CDR format (${CDR_FORMATS.map((candidate) => candidate.id).join(', ')})`)
  return layout.read(input, file, timezone, sink)
}
