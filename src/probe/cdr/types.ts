import type {Readable} from 'node:stream'

/** One call of a CDR index, whatever its layout or database. Times are ISO 8601 in UTC. */
export interface CdrCall {
  /** The CDR file's key or the database entry's name (URL without password, table), for grouping and messages. */
  source: string
  /** Where exactly it came from, `Master.csv:12` or `mysql://reader@pbx/asteriskcdrdb/cdr#1700000000.12`. */
  ref: string
  /**
   * The channel's uniqueid as written (`pbx1-1700000000.123` with a systemname), '' when the layout does not log it
   * (cdr_csv without loguniqueid). Join with `bareUniqueId` from src/probe/asterisk-id.ts.
   */
  uniqueId: string
  /** The call's linkedid (first channel's uniqueid), when logged (cdr_csv newcdrcolumns, databases). */
  linkedId?: string
  start: string
  answer?: string
  end?: string
  src: string
  dst: string
  callerName?: string
  channel: string
  dstChannel: string
  /** The dialplan context the call ended in (`from-trunk`, `ext-queues`): classify rules can use it. */
  dcontext?: string
  disposition: string
  durationSec: number
  billSec: number
  accountCode?: string
  userField?: string
  /** Agent extension derived from the channels (e.g. `SIP/1001-00000a3b` → `1001`). */
  agent?: string
  /** True when the CDR says the call was recorded (a MixMonitor/recording application, the userfield, FreePBX's recordingfile); undefined when it cannot tell. */
  recorded?: boolean
  /** Recording file name the CDR names, if any (a base name: FreePBX keeps a base name, older versions a path). */
  recordingFile?: string
}

export interface CdrProblem {
  ref: string
  message: string
}

/** Where a CDR reader puts what it reads: rows go straight to the on-disk index, never into an array. */
export interface CdrSink {
  call(call: CdrCall): void
  problem(problem: CdrProblem & {line: number}): void
}

/** A CDR file layout: one file a format in src/probe/cdr/, listed in index.ts. */
export interface CdrFormat {
  id: 'asterisk-csv' | 'asterisk-custom'
  /** Streams the file's rows into `sink`; `timezone` is the zone of the times written in it (IANA). */
  read(input: Readable, file: string, timezone: string, sink: CdrSink): Promise<void>
}
