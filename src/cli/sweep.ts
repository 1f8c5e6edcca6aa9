import type {Archive} from '../archive.js'
import {stateFolder} from '../journal/paths.js'
import {LocalStore} from '../store/local.js'

/**
 * Removes the temp files that killed runs left in the archive and its state folder (those whose writer is
 * gone, see store/temp.ts); returns their keys, for the run's report. Run under the archive's lock.
 */
export async function sweepTemps(archive: Archive): Promise<string[]> {
  if (!(archive.store instanceof LocalStore)) return []
  const swept = await archive.store.sweepTemps()
  const state = await new LocalStore(stateFolder(archive)).sweepTemps('', false).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return []
    throw error
  })
  return [...swept, ...state.map((name) => `.callrec/${name}`)]
}
