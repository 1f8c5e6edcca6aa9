// What `callrec encrypt` acts on: recordings whose content is not age (sniffed by the probe, never the name).
import picomatch from 'picomatch'
import type {Archive} from '../archive.js'
import {loadCdrIndex} from '../probe/cdr-index.js'
import {isRecording} from '../probe/recording.js'
import {scanArchive} from '../probe/scan.js'
import {activeHold} from '../rules/types.js'
import {AGE_SUFFIX} from './encrypt-file.js'

export interface EncryptionPlan {
  /** Recordings in clear to encrypt, in listing order. */
  keys: string[]
  bytes: number
  /** In clear but under an active legal hold, kept as they are because the policy says encryption.skipHeld. */
  held: string[]
  /** Already encrypted. */
  encrypted: number
  /** What could not be looked at (a folder that cannot be listed): failures of the run. */
  failed: {key: string; error: string}[]
  /** Audio by content only: as NAME.age it could no longer be told to be a recording, so it stays in clear until renamed. */
  unnamed: string[]
}

export async function planEncryption(archive: Archive, options: {only?: string[]; today: string; allowEmpty?: boolean}): Promise<EncryptionPlan> {
  const wanted = options.only && options.only.length > 0 ? picomatch(options.only, {dot: true}) : undefined
  const plan: EncryptionPlan = {keys: [], bytes: 0, held: [], encrypted: 0, failed: [], unnamed: []}
  const cdr = await loadCdrIndex(archive)
  try {
    for await (const items of scanArchive(archive, {cdr, select: wanted, allowEmpty: options.allowEmpty})) {
      for (const item of items) {
        if (item.kind === 'refused' && item.failed) plan.failed.push({key: item.key, error: item.reason})
        if (item.kind !== 'recording') continue
        const {recording} = item
        if (recording.encrypted) plan.encrypted++
        else if (archive.policy.encryption.skipHeld && activeHold(recording, options.today)) plan.held.push(recording.key)
        else if (!isRecording(recording.key + AGE_SUFFIX)) plan.unnamed.push(recording.key)
        else {
          plan.keys.push(recording.key)
          plan.bytes += recording.size
        }
      }
    }
  } finally {
    cdr.close()
  }
  return plan
}
