import {homedir} from 'node:os'
import path from 'node:path'
import type {Archive} from '../archive.js'

/** Where the archive keeps its own state; hidden, so never listed as a recording. */
export const STATE_FOLDER = '.callrec'

export interface JournalPaths {
  journal: string
  /** The HMAC key for caller numbers. */
  hmacKey: string
  holds: string
  /** The lock of whole runs on the archive (purge). */
  archiveLock: string
}

/**
 * The journal from the policy (relative paths from the archive root), by default `.callrec/journal.jsonl`
 * under the root; its HMAC key and the holds file beside it unless the policy says otherwise. For an archive
 * that is not a local folder (S3), these are where an older callrec kept its state on the machine that ran it
 * (under the XDG state folder): what state/s3-import.ts moves into the bucket, where its state now lives.
 */
export function journalPaths(archive: Archive): JournalPaths {
  const base = stateBase(archive)
  const state = stateFolder(archive)
  const journal = path.resolve(base, archive.policy.journal.path ?? path.join(STATE_FOLDER, 'journal.jsonl'))
  const beside = path.dirname(journal)
  return {
    journal,
    hmacKey: archive.policy.journal.hmacKey ? path.resolve(base, archive.policy.journal.hmacKey) : path.join(beside, 'hmac.key'),
    holds: archive.policy.holds.path ? path.resolve(base, archive.policy.holds.path) : path.join(beside, 'holds.json'),
    archiveLock: path.join(state, 'archive'),
  }
}

/** The path of `file` relative to `folder` when it lies inside it (`''` for the folder itself), else undefined. */
export function inside(folder: string, file: string): string | undefined {
  const relative = path.relative(path.resolve(folder), path.resolve(file))
  return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative
}

/** The folder that holds the archive's `.callrec/` state: the root of a local archive. */
export function stateFolder(archive: Archive): string {
  return path.join(stateBase(archive), STATE_FOLDER)
}

function stateBase(archive: Archive): string {
  return archive.store.localPath ? archive.root : localStateOf(archive.root)
}

/** `s3://bucket/prefix` → `~/.local/state/callrec/s3/bucket/prefix` (or under $XDG_STATE_HOME). */
function localStateOf(location: string): string {
  const stateHome = process.env.XDG_STATE_HOME || path.join(homedir(), '.local', 'state')
  return path.join(stateHome, 'callrec', ...location.replace(/^([a-z0-9]+):\/\//, '$1/').split('/').filter((part) => part && part !== '..' && part !== '.'))
}
