// The access journal: append-only, hash-chained, locked, fsynced (see file.ts). What other concerns use.
import {existsSync} from 'node:fs'
import type {Archive} from '../archive.js'
import type {AuditSummary} from '../audit.js'
import {errorMessage} from '../errors.js'
import {readHoldsFile} from '../holds/index.js'
import {currentActor} from './actor.js'
import {FileJournal, readEntries, readLines, type Head} from './file.js'
import {keyHasher} from './hmac.js'
import {journalPaths} from './paths.js'
import type {SigningPublicKey} from './sshsig.js'
import type {JournalEntry} from './types.js'
import {verifyLines, type VerifyResult} from './verify.js'

export type {Journal, JournalAction, JournalEntry, JournalEvent, JournalOutcome} from './types.js'
export {journalPaths} from './paths.js'
export {currentActor} from './actor.js'
export {FileJournal, formatHead, type Head} from './file.js'

/** The archive's journal, ready to append; `actor` is the person named with --actor. */
export async function openJournal(archive: Archive, options: {actor?: string} = {}): Promise<FileJournal> {
  const journal = new FileJournal(journalPaths(archive).journal, currentActor(options.actor))
  // Keys stored masked beside their HMAC (entry-keys.ts), with the archive's HMAC key, made on first use.
  journal.keyHmacSource = async () => (await keyHasher(archive, {create: true}))!
  return journal
}

/** Every entry of the archive's journal, oldest first; nothing when it has none yet. */
export function readJournal(archive: Archive): AsyncIterable<JournalEntry> {
  return readEntries(journalPaths(archive).journal)
}

/**
 * Everything `access-log verify` checks: the chain, a damaged tail, the head file, the holds file against
 * the hold and release entries, and the pinned heads and signing keys given.
 */
export async function verifyJournal(archive: Archive, options: {now?: Date; pins?: Head[]; pubkeys?: SigningPublicKey[]} = {}): Promise<VerifyResult & {journal: string}> {
  const paths = journalPaths(archive)
  const journal = new FileJournal(paths.journal, currentActor())
  const [damage, headFile, holds] = await Promise.all([journal.damage(), journal.recordedHead(), readHoldsFile(paths.holds)])
  const result = await verifyLines(readLines(journal.state), {
    now: options.now ?? new Date(),
    damage,
    headFile: headFile ?? 'missing',
    pins: options.pins,
    pubkeys: options.pubkeys,
    holds: holds.holds,
  })
  return {journal: paths.journal, ...result}
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
