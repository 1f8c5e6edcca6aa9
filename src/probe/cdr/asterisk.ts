import type {Readable} from 'node:stream'
import {DateTime} from 'luxon'
import {AUDIO_EXT} from '../filenames/parts.js'
import {wallClockToUtc} from '../time.js'
import type {CdrCall, CdrSink} from './types.js'
import {detail} from '../../details.js'

/** Asterisk's CDR variables, named as in cdr.conf and ${CDR(…)}; `recordingfile` is FreePBX's own column. */
export type CdrColumn =
  | 'accountcode' | 'src' | 'dst' | 'dcontext' | 'clid' | 'channel' | 'dstchannel' | 'lastapp' | 'lastdata'
  | 'start' | 'answer' | 'end' | 'duration' | 'billsec' | 'disposition' | 'amaflags'
  | 'uniqueid' | 'userfield' | 'peeraccount' | 'linkedid' | 'sequence' | 'recordingfile'

/** The columns of one row, told from its fields, or why the row fits no layout. */
export type LayoutOf = (fields: string[]) => readonly CdrColumn[] | string

export type CdrRow = Partial<Record<CdrColumn, string>>

/** A value the row cannot be read with; the reader names the row and goes on. */
export class RowProblem extends Error {}

// Real Master.csv files carry the bytes the trunk sent: UTF-8 when they are valid UTF-8, otherwise read as
// Windows-1252 (the superset of Latin-1 that old trunks and phones send), so "Ren\xe9" stays readable as "René".
// The choice is made per field: one row can hold a UTF-8 dialplan value beside a Latin-1 caller name.
const utf8 = new TextDecoder('utf-8', {fatal: true})
const latin1 = new TextDecoder('windows-1252')

function decode(bytes: Buffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    return latin1.decode(bytes)
  }
}

/** Streams an Asterisk CDR file with no header row; a row that cannot be read becomes a problem naming `file:line`. */
export async function readAsteriskCdr(input: Readable, file: string, timezone: string, layoutOf: LayoutOf, sink: CdrSink): Promise<void> {
  const badLines = new Set<number>()
  // Loaded with the first CDR file: an archive without one need not pay its start-up.
  const {parse} = await import('csv-parse')
  const parser = parse({
    encoding: null, // fields as bytes, decoded one by one: a file can mix UTF-8 and Latin-1 rows
    relax_column_count: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    info: true,
    on_skip(error) {
      // csv-parse may report one broken row more than once
      const line = Number(error?.lines)
      if (badLines.has(line)) return
      badLines.add(line)
      sink.problem({line, ref: `${file}:${line}`, message: detail('notCsvRow', {error: String(error?.message.split(':')[0])})})
    },
  })
  input.on('error', (error) => parser.destroy(error))
  for await (const {record, info} of input.pipe(parser) as AsyncIterable<{record: Buffer[]; info: {lines: number}}>) {
    const fields = record.map(decode)
    // info.lines is the row's last line; a quoted field may hold line breaks
    const line = info.lines - fields.join('').split('\n').length + 1
    const ref = `${file}:${line}`
    try {
      const layout = layoutOf(fields)
      if (typeof layout === 'string') throw new RowProblem(layout)
      const row: CdrRow = {}
      for (let index = 0; index < layout.length; index++) row[layout[index]] = fields[index]
      sink.call(toCall(row, file, ref, timezone))
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error
      sink.problem({line, ref, message: error.message})
    }
  }
}

/** One CDR row, whatever it was read from, as a call; throws RowProblem for a value that cannot be read. */
export function toCall(row: CdrRow, source: string, ref: string, timezone: string): CdrCall {
  const recordingFile = baseName(row.recordingfile) ?? fileIn(row.userfield) ?? (isRecordingApp(row.lastapp) ? fileIn(row.lastdata) : undefined)
  return {
    source,
    ref,
    uniqueId: row.uniqueid ?? '',
    linkedId: row.linkedid || undefined,
    start: time(row, 'start', timezone)!,
    answer: time(row, 'answer', timezone),
    end: time(row, 'end', timezone),
    src: row.src ?? '',
    dst: row.dst ?? '',
    callerName: callerName(row.clid),
    channel: row.channel ?? '',
    dstChannel: row.dstchannel ?? '',
    dcontext: row.dcontext || undefined,
    disposition: row.disposition ?? '',
    durationSec: seconds(row, 'duration'),
    billSec: seconds(row, 'billsec'),
    accountCode: row.accountcode || undefined,
    userField: row.userfield || undefined,
    agent: extensionOf(row.dstchannel) ?? extensionOf(row.channel),
    recorded: isRecordingApp(row.lastapp) || recordingFile !== undefined || saysRecorded(row.userfield) || undefined,
    recordingFile,
  }
}

/**
 * A time column; empty (cdr_csv leaves `answer` empty and unquoted for unanswered calls) is undefined except for `start`.
 * Files and MySQL DATETIME columns hold the PBX's wall clock, read in `timezone`; a PostgreSQL `timestamptz`
 * comes with its offset, and fractions of a second are dropped.
 */
function time(row: CdrRow, column: 'start' | 'answer' | 'end', timezone: string): string | undefined {
  const text = row[column] ?? ''
  if (text === '' && column !== 'start') return undefined
  const withOffset = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.\d+)?([+-]\d{2}(?::?\d{2})?|Z)$/.exec(text.trim())
  const utc = withOffset
    ? DateTime.fromISO(`${withOffset[1]}T${withOffset[2]}${withOffset[3].length === 3 ? `${withOffset[3]}:00` : withOffset[3]}`).toUTC().toISO() ?? undefined
    : wallClockToUtc(text.replace(/\.\d+$/, ''), timezone)
  if (!utc) throw new RowProblem(detail('cdrNotDate', {column, text}))
  return utc
}

/** Whole seconds from cdr_csv, or fractional from cdr_custom's ${CDR(duration,f)}. */
function seconds(row: CdrRow, column: 'duration' | 'billsec'): number {
  const text = row[column] ?? ''
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new RowProblem(detail('cdrNotSeconds', {column, text}))
  return value
}

/** `"Jane Doe" <0612345678>` → `Jane Doe`; a bare number has no name. */
function callerName(clid: string | undefined): string | undefined {
  const match = /^\s*"?(.*?)"?\s*<[^>]*>\s*$/.exec(clid ?? '')
  return match?.[1].trim() || undefined
}

// SIP/1001-00000a3b, PJSIP/1001-0000002a, IAX2/1001-3421, Local/1001@from-queue-0000;1 → 1001. A trunk's channel
// (PJSIP/ovh-0000001f, DAHDI/1-1, SIP/0140000000-0001) has no extension of 2 to 6 digits. Inbound, the agent is on
// the destination channel; outbound, the destination is a trunk and the agent is on the calling channel; between two
// extensions, the agent is the one called.
function extensionOf(channel: string | undefined): string | undefined {
  return /^[A-Za-z0-9]+\/(\d{2,6})[-@]/.exec(channel ?? '')?.[1]
}

function isRecordingApp(app: string | undefined): boolean {
  return /^(?:MixMonitor|Monitor|Record)$/i.test(app ?? '')
}

// FreePBX keeps the recording's name in its own `recordingfile` column in MySQL; with CSV backends, dialplans put it
// (or just "recorded") in the userfield, and MixMonitor's lastdata starts with the file's path.
const AUDIO_FILE = new RegExp(String.raw`([^\s/\\,;|"'=]+\.${AUDIO_EXT})(?![\w.])`, 'i')

/** FreePBX's recordingfile: a base name, or a full path in older versions; '' when the call was not recorded. */
function baseName(text: string | undefined): string | undefined {
  return text?.trim().split(/[\\/]/).pop() || undefined
}

function fileIn(text: string | undefined): string | undefined {
  return AUDIO_FILE.exec(text ?? '')?.[1]
}

function saysRecorded(userfield: string | undefined): boolean {
  return /\brecord(?:ed|ing)\b/i.test(userfield ?? '') && !/\bno(?:t)?[\s_-]*record/i.test(userfield ?? '')
}
