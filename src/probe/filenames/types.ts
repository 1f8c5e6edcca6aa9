import type {PartialFields} from '../../model.js'

/** What a PBX's file-naming convention tells of a call. Times are wall-clock unless `utc`. */
export interface NameFacts extends Omit<PartialFields, 'recordedAt'> {
  /** `YYYY-MM-DDTHH:MM:SS` as written in the name, no offset. */
  localTime?: string
  /** True when the name itself says the time is UTC (Amazon Connect's `_UTC`). */
  utc?: boolean
  /** The zone the time is written in when a naming template sets one (else the policy's timezone). */
  zone?: string
  /** FreePBX's call type as its names spell it: `in`, `out`, `q-<queue>`, `external`, `internal`, `ondemand`… */
  callType?: string
  /** The PBX's call id found in the name, used to join the CDR index (Asterisk uniqueid, 3CX call id…). */
  uniqueId?: string
}

/** A file-name convention: one file a PBX in src/probe/filenames/, listed in index.ts. */
export interface FilenamePattern {
  id: string
  description: string
  /** `key` is the path relative to the archive root (folders matter for FreePBX, Oreka, Connect). */
  match(key: string): NameFacts | undefined
}
