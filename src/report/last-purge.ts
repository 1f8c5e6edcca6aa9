import type {JournalEntry} from '../journal/types.js'

/** The proof of the last purge, as the register shows it. */
export interface PurgeFact {
  /** ISO 8601, UTC. */
  at: string
  seq: number
  recordings: number
  /** The purge certificate's path, as the journal recorded it. */
  certificate?: string
}

/**
 * The last successful purge in the journal (entries in journal order). Null when the journal holds none.
 * The seam to the journal: the command passes it `readJournal(archive)`, tests pass entries they build.
 */
export async function lastPurge(entries: AsyncIterable<JournalEntry> | Iterable<JournalEntry>): Promise<PurgeFact | null> {
  let last: PurgeFact | null = null
  for await (const entry of entries) {
    if (entry.action !== 'purge' || entry.outcome !== 'ok') continue
    const certificate = entry.details?.certificate
    last = {at: entry.time, seq: entry.seq, recordings: entry.keys.length, ...(typeof certificate === 'string' ? {certificate} : {})}
  }
  return last
}
