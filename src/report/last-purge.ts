import type {JournalEntry} from '../journal/types.js'

/** The proof of the last purge run, as the register shows it. */
export interface PurgeFact {
  /** When its last deletion was journalled: ISO 8601, UTC. */
  at: string
  /** The run id the purge gave its entries (`details.run`), if any. */
  run?: string
  /** Recordings deleted by that run. */
  recordings: number
  /** The certificate of destruction's path, as the journal recorded it (`details.certificate`). */
  certificate?: string
}

/**
 * The last purge run in the journal (entries oldest first): purge writes one `ok` entry per deleted recording,
 * all with the run's id, and a `failed` entry that `undoes` the seq of one it could not carry out. Null when the
 * journal holds no purge. The seam to the journal: the command passes `readJournal(archive)`, tests build entries.
 */
export async function lastPurge(entries: AsyncIterable<JournalEntry> | Iterable<JournalEntry>): Promise<PurgeFact | null> {
  let last: (PurgeFact & {seqs: Set<number>}) | null = null
  for await (const entry of entries) {
    if (entry.action !== 'purge') continue
    const details = entry.details ?? {}
    const run = typeof details.run === 'string' ? details.run : undefined
    if (entry.outcome === 'failed' && last?.seqs.delete(details.undoes as number)) last.recordings--
    if (entry.outcome !== 'ok') continue
    if (!last || run === undefined || run !== last.run) {
      const certificate = typeof details.certificate === 'string' ? details.certificate : undefined
      last = {at: entry.time, recordings: 0, seqs: new Set(), ...(run ? {run} : {}), ...(certificate ? {certificate} : {})}
    }
    last.at = entry.time
    last.recordings++
    last.seqs.add(entry.seq)
  }
  if (!last) return null
  const {seqs, ...fact} = last
  return fact
}
