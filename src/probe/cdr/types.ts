/** One call of a CDR index, whatever its layout. Times are ISO 8601 in UTC. */
export interface CdrCall {
  /** Where it came from, `Master.csv:12`, for explanations and error messages. */
  ref: string
  /**
   * The channel's uniqueid as written (`pbx1-1700000000.123` with a systemname), '' when the layout does not log it
   * (cdr_csv without loguniqueid). Join with `bareUniqueId` from src/probe/asterisk-id.ts.
   */
  uniqueId: string
  /** The call's linkedid (first channel's uniqueid), when logged (cdr_csv newcdrcolumns). */
  linkedId?: string
  start: string
  answer?: string
  end?: string
  src: string
  dst: string
  callerName?: string
  channel: string
  dstChannel: string
  disposition: string
  durationSec: number
  billSec: number
  accountCode?: string
  /** The dialplan context the call was sent to (`from-trunk`, `ext-queues`…), for the policy's classify rules. */
  dcontext?: string
  userField?: string
  /** Agent extension derived from the channels (e.g. `SIP/1001-00000a3b` → `1001`). */
  agent?: string
  /** True when the CDR says the call was recorded (a MixMonitor/recording application or the userfield); undefined when it cannot tell. */
  recorded?: boolean
  /** Recording file name the CDR names, if any. */
  recordingFile?: string
}

export interface CdrProblem {
  ref: string
  message: string
}

/** A CDR layout: one file a format in src/probe/cdr/, listed in index.ts. */
export interface CdrFormat {
  id: 'asterisk-csv' | 'asterisk-custom'
  /** Parses the file's bytes; `timezone` is the zone of the times written in it (IANA). */
  parse(bytes: Buffer, file: string, timezone: string): {calls: CdrCall[]; problems: CdrProblem[]}
}
