import type {Lock} from '../journal/lock.js'
import type {StateFile} from '../journal/state-file.js'

/** The pieces of state that take a short lock of their own while they change. */
export type StatePiece = 'journal' | 'holds' | 'hmac'

/**
 * The archive's own state: its journal (and head), its holds, the HMAC key of caller numbers and the run lock.
 * One interface, two homes: a local folder (`.callrec/` beside the recordings, or where the policy says) and an
 * S3 prefix shared by every host that works on the archive. Which one an archive has is decided in one place
 * (state/index.ts); every command reaches its state through it.
 */
export interface ArchiveState {
  /** Where the state is, for messages: a folder or an `s3://` URL. */
  readonly location: string
  /** The journal's name in messages and results (a file path or a URL). */
  readonly journalName: string
  readonly holdsName: string
  readonly hmacKeyName: string
  /** The journal's bytes and its head file, as the journal's protocol reads and writes them (journal/file.ts). */
  journalFiles(): {journal: StateFile; head: StateFile}
  /** Whether the journal was started (an audit journals only into an existing one). */
  hasJournal(): Promise<boolean>
  /** Runs `fn` holding the short lock of one piece, waiting for it (long enough to outlast a dead holder's lock). */
  withLock<T>(piece: StatePiece, fn: (lock: Lock) => Promise<T>): Promise<T>
  /** The lock of a whole run (purge, encrypt): a second run does not wait, it fails with EXIT.locked. */
  tryRunLock(what: string): Promise<Lock>
  /** The holds file's text (undefined when there is none) and its version, to tell cheaply whether it changed. */
  readHolds(): Promise<{text?: string; version: string}>
  holdsVersion(): Promise<string>
  /** Replaces the holds file at once (readers see the old or the new). Call under the holds lock. */
  writeHolds(bytes: Buffer): Promise<void>
  /** The HMAC key, undefined when none was made yet. */
  readHmacKey(): Promise<Buffer | undefined>
  /** Makes the key on first use; two first uses at once agree on one key. */
  createHmacKey(): Promise<Buffer>
  /** A file beside the journal for evidence (the damaged tail that `access-log repair` moves aside). */
  sideFile(name: string): StateFile
}
