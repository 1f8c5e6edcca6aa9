// The access journal: append-only, hash-chained, locked, fsynced (see file.ts). What other concerns use.
import type {Archive} from '../archive.js'
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
