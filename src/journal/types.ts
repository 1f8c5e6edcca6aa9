// The journal's write side, as every action sees it. Every access to a recording and every change of the
// archive appends one event; the implementation chains, locks and fsyncs (see src/journal/).
export const JOURNAL_ACTIONS = ['decrypt', 'export', 'purge', 'hold', 'release', 'encrypt', 'audit', 'find', 'prune', 'repair', 'checkpoint', 'import'] as const
export type JournalAction = (typeof JOURNAL_ACTIONS)[number]
export type JournalOutcome = 'ok' | 'failed' | 'refused' | 'skipped'

export interface JournalEvent {
  action: JournalAction
  /** The command line's command, e.g. `decrypt`. */
  command: string
  /** Keys relative to the archive root. */
  keys: string[]
  reason?: string
  outcome: JournalOutcome
  /** Action-specific facts: size and SHA-256 of a purged file, the rule that selected it, an error message. */
  details?: Record<string, unknown>
}

export interface Journal {
  append(event: JournalEvent): Promise<void>
}

/** An event as stored: numbered, timed, attributed, and chained to the entry before it. */
export interface JournalEntry extends JournalEvent {
  seq: number
  /** ISO 8601, UTC. */
  time: string
  actor: {user: string; host: string; name?: string}
  /** Hash of the previous entry (or of the last pruned one), hex SHA-256. */
  prev: string
  /** Time of the previous entry (none for the first of a journal): a prune checkpoint's claims are checked against it. */
  prevTime?: string
  /** SHA-256 over the canonical form of this entry without `hash`. */
  hash: string
}
