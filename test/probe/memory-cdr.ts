// A CDR index over calls held in memory, for probe tests that need a few rows and no file or database.
import path from 'node:path/posix'
import type {CdrIndex} from '../../src/probe/cdr-index.ts'
import type {CdrCall} from '../../src/probe/cdr/types.ts'

export function memoryCdr(calls: Partial<CdrCall>[] = []): CdrIndex {
  const full: CdrCall[] = calls.map((call) => ({ref: 'Master.csv:1', uniqueId: '', start: '2026-05-14T08:15:00.000Z', src: '', dst: '', channel: '', dstChannel: '', disposition: 'ANSWERED', durationSec: 1, billSec: 1, ...call}))
  return {
    files: [],
    find: (key, callIds) =>
      full.find((call) => call.recordingFile && path.basename(call.recordingFile) === path.basename(key).replace(/\.age$/, '')) ??
      full.find((call) => callIds.includes(call.uniqueId)) ??
      full.find((call) => call.linkedId !== undefined && callIds.includes(call.linkedId)),
    calls: (which = 'all') => full.filter((call) => which === 'all' || call.recorded === true),
    answeredByAgent: () => [],
    problems: () => [],
    close: () => {},
  }
}
