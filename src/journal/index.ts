// The access journal: append-only, hash-chained, locked, fsynced (see file.ts). What other concerns use.
import type {Archive} from '../archive.js'
import type {AuditSummary} from '../audit.js'
import {errorMessage} from '../errors.js'
import {readHolds} from '../holds/index.js'
import {stateOf, type ArchiveState} from '../state/index.js'
import {currentActor, type Actor} from './actor.js'
import {FileJournal, readEntries, readLines, type Head} from './file.js'
import {keyHmacWith} from './hmac.js'
import type {SigningPublicKey} from './sshsig.js'
import type {JournalEntry} from './types.js'
import {verifyLines, type VerifyResult} from './verify.js'

export type {Journal, JournalAction, JournalEntry, JournalEvent, JournalOutcome} from './types.js'
export {journalPaths} from './paths.js'
export {currentActor} from './actor.js'
export {FileJournal, formatHead, type Head} from './file.js'

/** The archive's journal, ready to append; `actor` is the person named with --actor. */
export async function openJournal(archive: Archive, options: {actor?: string} = {}): Promise<FileJournal> {
  return journalIn(await stateOf(archive), currentActor(options.actor))
}

/** The journal kept in `state`, locked with the state's journal lock. */
export function journalIn(state: ArchiveState, actor: Actor): FileJournal {
  const journal = new FileJournal(state.journalName, actor, {...state.journalFiles(), lock: (fn) => state.withLock('journal', fn)})
  // Keys stored masked beside their HMAC (entry-keys.ts), with the archive's HMAC key, made on first use.
  journal.keyHmacSource = async () => keyHmacWith((await state.readHmacKey()) ?? (await state.createHmacKey()))
  return journal
}

/** Every entry of the archive's journal, oldest first; nothing when it has none yet. */
export async function* readJournal(archive: Archive): AsyncIterable<JournalEntry> {
  yield* readEntries((await stateOf(archive)).journalFiles().journal)
}

/**
 * Everything `access-log verify` checks: the chain, a damaged tail, the head file, the holds file against
 * the hold and release entries, and the pinned heads and signing keys given.
 */
export async function verifyJournal(archive: Archive, options: {now?: Date; pins?: Head[]; pubkeys?: SigningPublicKey[]} = {}): Promise<VerifyResult & {journal: string}> {
  const state = await stateOf(archive)
  const journal = journalIn(state, currentActor())
  const [damage, headFile, holds, layout] = await Promise.all([journal.damage(), journal.recordedHead(), readHolds(state), journal.state.layoutProblems?.() ?? []])
  const result = await verifyLines(readLines(journal.state), {
    now: options.now ?? new Date(),
    damage,
    headFile: headFile ?? 'missing',
    pins: options.pins,
    pubkeys: options.pubkeys,
    holds: holds.holds,
  })
  result.problems.unshift(...layout.map((message) => ({kind: 'forked' as const, line: 0, message})))
  return {journal: state.journalName, ...result}
}

/**
 * One `audit` entry per audit run, with its counts. An audit reads metadata only, so a journal it cannot
 * write (a read-only archive) is a warning, not a failed audit; and it starts none: an archive without a
 * journal is left as it was (no `.callrec/` made by looking).
 */
export async function journalAudit(archive: Archive, summary: AuditSummary, keys: string[] = []): Promise<void> {
  try {
    if (!(await (await stateOf(archive)).hasJournal())) return
    const {recordings, bytes, encrypted, unreadable, withNotice, findings, byRule} = summary
    const details = {archive: archive.root, recordings, bytes, encrypted, unreadable, withNotice, findings, byRule}
    await (await openJournal(archive)).append({action: 'audit', command: 'audit', keys, outcome: 'ok', details})
  } catch (error) {
    process.stderr.write(`callrec: warning: audit not written to the journal (${errorMessage(error)})\n`)
  }
}
