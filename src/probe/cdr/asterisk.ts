import {parse} from 'csv-parse/sync'
import {AUDIO_EXT} from '../filenames/parts.js'
import {wallClockToUtc} from '../time.js'
import type {CdrCall, CdrProblem} from './types.js'

/** Asterisk's CDR variables, named as in cdr.conf and ${CDR(…)}. */
export type CdrColumn =
  | 'accountcode' | 'src' | 'dst' | 'dcontext' | 'clid' | 'channel' | 'dstchannel' | 'lastapp' | 'lastdata'
  | 'start' | 'answer' | 'end' | 'duration' | 'billsec' | 'disposition' | 'amaflags'
  | 'uniqueid' | 'userfield' | 'peeraccount' | 'linkedid' | 'sequence'

/** The columns of one row, told from its fields, or why the row fits no layout. */
export type LayoutOf = (fields: string[]) => readonly CdrColumn[] | string

type Row = Partial<Record<CdrColumn, string>>

class RowProblem extends Error {}

// Caller names are written as the bytes the trunk sent: UTF-8 when they are valid UTF-8, otherwise read as
// Windows-1252 (the superset of Latin-1 that old trunks and phones send), so "Ren\xe9" stays readable as "René".
const utf8 = new TextDecoder('utf-8', {fatal: true})
const latin1 = new TextDecoder('windows-1252')

function decode(bytes: Buffer): string {
  try {
    return utf8.decode(bytes)
  } catch {
    return latin1.decode(bytes)
  }
}

/** Parses an Asterisk CDR file with no header row; a row that cannot be read becomes a problem naming `file:line`. */
export function parseAsteriskCdr(bytes: Buffer, file: string, timezone: string, layoutOf: LayoutOf): {calls: CdrCall[]; problems: CdrProblem[]} {
  const calls: CdrCall[] = []
  const problems: (CdrProblem & {line: number})[] = []
  const badLines = new Set<number>()
  const records = parse(bytes, {
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
      problems.push({line, ref: `${file}:${line}`, message: `not a CSV row (${error?.message.split(':')[0]})`})
    },
  }) as unknown as {record: Buffer[]; info: {lines: number}}[]
  for (const {record, info} of records) {
    const fields = record.map(decode)
    // info.lines is the row's last line; a quoted field may hold line breaks
    const line = info.lines - fields.join('').split('\n').length + 1
    const ref = `${file}:${line}`
    try {
      const layout = layoutOf(fields)
      if (typeof layout === 'string') throw new RowProblem(layout)
      calls.push(toCall(Object.fromEntries(layout.map((column, index) => [column, fields[index]])), ref, timezone))
    } catch (error) {
      if (!(error instanceof RowProblem)) throw error
      problems.push({line, ref, message: error.message})
    }
  }
  return {calls, problems: problems.sort((a, b) => a.line - b.line).map(({ref, message}) => ({ref, message}))}
}

function toCall(row: Row, ref: string, timezone: string): CdrCall {
  const recordingFile = fileIn(row.userfield) ?? (isRecordingApp(row.lastapp) ? fileIn(row.lastdata) : undefined)
  return {
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
    disposition: row.disposition ?? '',
    durationSec: seconds(row, 'duration'),
    billSec: seconds(row, 'billsec'),
    accountCode: row.accountcode || undefined,
    dcontext: row.dcontext || undefined,
    userField: row.userfield || undefined,
    agent: extensionOf(row.dstchannel) ?? extensionOf(row.channel),
    recorded: isRecordingApp(row.lastapp) || recordingFile !== undefined || saysRecorded(row.userfield) || undefined,
    recordingFile,
  }
}

/** A time column; empty (cdr_csv leaves `answer` empty and unquoted for unanswered calls) is undefined except for `start`. */
function time(row: Row, column: 'start' | 'answer' | 'end', timezone: string): string | undefined {
  const text = row[column] ?? ''
  if (text === '' && column !== 'start') return undefined
  const utc = wallClockToUtc(text, timezone)
  if (!utc) throw new RowProblem(`${column}: "${text}" is not a date and time (YYYY-MM-DD HH:MM:SS)`)
  return utc
}

/** Whole seconds from cdr_csv, or fractional from cdr_custom's ${CDR(duration,f)}. */
function seconds(row: Row, column: 'duration' | 'billsec'): number {
  const text = row[column] ?? ''
  const value = Number(text)
  if (text.trim() === '' || !Number.isFinite(value) || value < 0) throw new RowProblem(`${column}: "${text}" is not a number of seconds`)
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

function fileIn(text: string | undefined): string | undefined {
  return AUDIO_FILE.exec(text ?? '')?.[1]
}

function saysRecorded(userfield: string | undefined): boolean {
  return /\brecord(?:ed|ing)\b/i.test(userfield ?? '') && !/\bno(?:t)?[\s_-]*record/i.test(userfield ?? '')
}
