import type {Archive} from '../archive.js'
import {CallrecError} from '../errors.js'
import {journalPaths} from '../journal/paths.js'
import {LocalState} from './local.js'
import type {ArchiveState} from './types.js'

export type {ArchiveState, StatePiece} from './types.js'

const states = new WeakMap<Archive, Promise<ArchiveState>>()

/**
 * The archive's state, chosen here and only here: a local folder's in local files (where journal/paths.ts says),
 * an S3 archive's in the bucket (`.callrec/` under its prefix, or the policy's `state: s3://…`), shared by every
 * host. The first time an S3 archive is used with state left on this machine by an older callrec, that state is
 * imported into the bucket (state/s3-import.ts). One per archive and process.
 */
export function stateOf(archive: Archive): Promise<ArchiveState> {
  let state = states.get(archive)
  if (!state) {
    state = open(archive)
    states.set(archive, state)
  }
  return state
}

async function open(archive: Archive): Promise<ArchiveState> {
  if (archive.store.localPath) {
    if (archive.policy.state) throw new CallrecError(`${archive.policyFile ?? archive.root}: state: ${archive.policy.state} is for S3 archives; a local archive keeps its state in files (journal.path, holds.path)`)
    return new LocalState(journalPaths(archive))
  }
  // Loaded on demand, as the S3 store is: a local archive never loads the AWS SDK.
  const [{S3Store, openS3Store}, {S3State}, {importLocalState}] = await Promise.all([import('../store/s3.js'), import('./s3.js'), import('./s3-import.js')])
  const store = archive.store
  if (!(store instanceof S3Store)) throw new CallrecError(`${archive.root}: no shared state for this kind of archive`)
  const state = archive.policy.state ? new S3State(await openS3Store(archive.policy.state)) : new S3State(store.within('.callrec'))
  // Until now an S3 archive kept its state on the machine running callrec: what is there moves into the bucket once.
  await importLocalState(state, new LocalState(journalPaths(archive)), archive)
  return state
}
