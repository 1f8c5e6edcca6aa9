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
 * under the root; its HMAC key and the holds file beside it unless the policy says otherwise.
 */
export function journalPaths(archive: Archive): JournalPaths {
  const state = path.join(archive.root, STATE_FOLDER)
  const journal = path.resolve(archive.root, archive.policy.journal.path ?? path.join(STATE_FOLDER, 'journal.jsonl'))
  const beside = path.dirname(journal)
  return {
    journal,
    hmacKey: archive.policy.journal.hmacKey ? path.resolve(archive.root, archive.policy.journal.hmacKey) : path.join(beside, 'hmac.key'),
    holds: archive.policy.holds.path ? path.resolve(archive.root, archive.policy.holds.path) : path.join(beside, 'holds.json'),
    archiveLock: path.join(state, 'archive'),
  }
}

/** The path of `file` relative to `folder` when it lies inside it (`''` for the folder itself), else undefined. */
export function inside(folder: string, file: string): string | undefined {
  const relative = path.relative(path.resolve(folder), path.resolve(file))
  return relative.startsWith('..') || path.isAbsolute(relative) ? undefined : relative
}
