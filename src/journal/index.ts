// The access journal: append-only, hash-chained, locked, fsynced (see file.ts). What other concerns use.
import {existsSync} from 'node:fs'
import type {Archive} from '../archive.js'
import type {AuditSummary} from '../audit.js'
import {errorMessage} from '../errors.js'
import {currentActor} from './actor.js'
import {FileJournal, readEntries} from './file.js'
import {journalPaths} from './paths.js'
import type {JournalEntry} from './types.js'

export type {Journal, JournalAction, JournalEntry, JournalEvent, JournalOutcome} from './types.js'
export {journalPaths} from './paths.js'
export {currentActor} from './actor.js'
export {FileJournal} from './file.js'

/** The archive's journal, ready to append; `actor` is the person named with --actor. */
export async function openJournal(archive: Archive, options: {actor?: string} = {}): Promise<FileJournal> {
  return new FileJournal(journalPaths(archive).journal, currentActor(options.actor))
}

/** Every entry of the archive's journal, oldest first; nothing when it has none yet. */
export function readJournal(archive: Archive): AsyncIterable<JournalEntry> {
  return readEntries(journalPaths(archive).journal)
}

/**
 * One `audit` entry per audit run, with its counts. An audit reads metadata only, so a journal it cannot
 * write (a read-only archive) is a warning, not a failed audit; and it starts none: an archive without a
 * journal is left as it was (no `.callrec/` made by looking).
 */
export async function journalAudit(archive: Archive, summary: AuditSummary, keys: string[] = []): Promise<void> {
  if (!existsSync(journalPaths(archive).journal)) return
  const {recordings, bytes, encrypted, unreadable, withNotice, findings, byRule} = summary
  const details = {archive: archive.root, recordings, bytes, encrypted, unreadable, withNotice, findings, byRule}
  try {
    await (await openJournal(archive)).append({action: 'audit', command: 'audit', keys, outcome: 'ok', details})
  } catch (error) {
    process.stderr.write(`callrec: warning: audit not written to the journal (${errorMessage(error)})\n`)
  }
}
