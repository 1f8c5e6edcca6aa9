import {csvRows} from '../output/csv-safe.js'
import type {Pending, Write} from '../output/types.js'
import type {JournalEntry} from './types.js'

export const EXPORT_FORMATS = ['csv', 'json', 'ndjson'] as const
export type ExportFormat = (typeof EXPORT_FORMATS)[number]

const COLUMNS = ['seq', 'time', 'user', 'host', 'actor', 'command', 'action', 'outcome', 'keys', 'reason', 'callId', 'details', 'prev', 'hash']

/** One journal entry a row; every text cell is neutralised (csv-safe.ts), so keys, reasons and call ids cannot run as formulas. */
function row(entry: JournalEntry): Record<string, unknown> {
  const {callId, ...details} = entry.details ?? {}
  return {
    ...entry,
    user: entry.actor.user,
    host: entry.actor.host,
    actor: entry.actor.name,
    keys: entry.keys.join('\n'),
    callId: callId === undefined ? undefined : String(callId),
    details: Object.keys(details).length > 0 ? JSON.stringify(details) : undefined,
  }
}

/** Writes entries as they come: memory does not grow with the journal. */
export function entryWriter(format: ExportFormat, write: Write): {entry(entry: JournalEntry): Pending; end(): Pending} {
  if (format === 'csv') {
    const csv = csvRows(COLUMNS, write)
    return {entry: (entry) => csv.row(row(entry)), end: () => csv.end()}
  }
  if (format === 'ndjson') return {entry: (entry) => write(JSON.stringify(entry) + '\n'), end: async () => {}}
  let first = true
  return {
    entry: (entry) => write(`${first ? ((first = false), '[\n') : ',\n'}${JSON.stringify(entry)}`),
    end: () => write(first ? '[]\n' : '\n]\n'),
  }
}
