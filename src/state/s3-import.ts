import {createHash} from 'node:crypto'
import {readFile} from 'node:fs/promises'
import type {Archive} from '../archive.js'
import {CallrecError} from '../errors.js'
import {readHolds, type Hold} from '../holds/index.js'
import {currentActor, hostName} from '../journal/actor.js'
import {headFileOf} from '../journal/file.js'
import {journalIn} from '../journal/index.js'
import type {JournalEvent} from '../journal/types.js'
import {parseHmacKey, type LocalState} from './local.js'
import {putState, type S3State} from './s3.js'

const readLocal = (file: string) => readFile(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))

/**
 * An older callrec kept an S3 archive's journal, holds and HMAC key on the machine that ran it (under
 * $XDG_STATE_HOME). The first run that finds such state moves it into the bucket, once per machine and folder
 * (a marker object `imported/…` says it was done), and journals what it took from where:
 * - the HMAC key, when the bucket has none yet (else the bucket's stays: see holds below);
 * - the journal: as the start of the shared journal when the bucket has none (its chain goes on unbroken), else
 *   stored beside it verbatim (`imported/ID/journal.jsonl`) with its size, SHA-256 and head in the entry;
 * - the holds: all of them, never fewer (a hold must outlive the move), as holds of the shared file with a
 *   `hold` entry each (numbered anew when the bucket has holds already). A hold on a caller number made with
 *   another HMAC key than the bucket's cannot be carried over: the import then stops and says which.
 * The local files are left in place, no longer read; stderr says so once, at the import.
 */
export async function importLocalState(state: S3State, local: LocalState, archive: Archive): Promise<void> {
  const journalFile = local.journalName
  const [journalBytes, headBytes, keyBytes, holdsBytes] = await Promise.all([readLocal(journalFile), readLocal(headFileOf(journalFile)), readLocal(local.hmacKeyName), readLocal(local.holdsName)])
  if (!journalBytes?.length && !keyBytes && !holdsBytes) return
  const marker = `imported/${createHash('sha256').update(`${hostName()}\n${local.location}`).digest('hex').slice(0, 16)}.json`
  if (await state.store.exists(marker)) return

  await state.withLock('holds', async () => {
    if (await state.store.exists(marker)) return
    const localKey = keyBytes && parseHmacKey(keyBytes.toString('utf8'), local.hmacKeyName)
    let bucketKey = await state.readHmacKey()
    const localHolds = holdsBytes ? (await readHolds(local)).holds : []
    const shared = await readHolds(state)
    const keyDiffers = localKey !== undefined && bucketKey !== undefined && !localKey.equals(bucketKey)
    const stranded = keyDiffers ? localHolds.filter((hold) => 'caller' in hold.match) : []
    if (stranded.length > 0) {
      throw new CallrecError(
        `${local.holdsName}: holds ${stranded.map((hold) => `#${hold.id}`).join(', ')} name callers by an HMAC key other than the bucket's (${state.hmacKeyName}), so they cannot move into the shared state; nothing was imported. Add them again with \`callrec hold add --caller\` on this archive after replacing ${local.hmacKeyName} by a copy of the bucket's key, or move the bucket's key aside if this machine's is the one to keep`,
      )
    }
    let hmacKey: 'imported' | 'same' | 'bucket key kept' | 'none' = localKey ? (bucketKey ? (keyDiffers ? 'bucket key kept' : 'same') : 'imported') : 'none'
    if (localKey && !bucketKey) {
      await putState(state.store, 'hmac.key', Buffer.from(localKey.toString('hex') + '\n'), true).catch(async (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error
        bucketKey = await state.readHmacKey()
        hmacKey = bucketKey!.equals(localKey) ? 'same' : 'bucket key kept'
      })
    }

    const journal = journalIn(state, currentActor())
    let journalFacts: Record<string, unknown> | undefined
    if (journalBytes?.length) {
      const facts = {bytes: journalBytes.length, sha256: createHash('sha256').update(journalBytes).digest('hex'), head: headBytes && JSON.parse(headBytes.toString('utf8'))}
      journalFacts = await state.withLock('journal', async () => {
        if ((await journal.state.size()) === undefined) {
          await journal.state.append(journalBytes, 0)
          if (headBytes) await journal.headFile.replace(headBytes)
          return {...facts, as: 'the start of the shared journal'}
        }
        const object = `imported/${marker.slice('imported/'.length, -'.json'.length)}/journal.jsonl`
        await putState(state.store, object, journalBytes)
        if (headBytes) await putState(state.store, `${object}.head`, headBytes)
        return {...facts, as: `${state.location}/${object}`}
      })
    }

    // Holds: the file as it was when the journal that names them came along; otherwise each added to the shared file.
    const verbatim = journalFacts?.as === 'the start of the shared journal' && shared.version === 'none'
    const events: JournalEvent[] = []
    const holds: Hold[] = [...shared.holds]
    let lastId = shared.lastId
    if (!verbatim) {
      for (const hold of localHolds) {
        const same = shared.holds.find((other) => JSON.stringify(other.match) === JSON.stringify(hold.match) && other.reason === hold.reason && other.since === hold.since)
        if (same) continue
        const moved = {...hold, id: ++lastId}
        holds.push(moved)
        events.push({action: 'hold', command: 'import', keys: 'key' in hold.match ? [hold.match.key] : [], reason: hold.reason, outcome: 'ok', details: {hold: moved.id, importedFrom: local.holdsName, was: hold.id, ...(hold.until ? {until: hold.until} : {})}})
      }
    } else if (holdsBytes) {
      await state.writeHolds(holdsBytes)
    }
    const details = {from: local.location, host: hostName(), archive: archive.root, ...(journalFacts ? {journal: journalFacts} : {}), holds: verbatim ? localHolds.length : events.length, hmacKey}
    await journal.appendAll([...events, {action: 'import', command: 'import', keys: [], outcome: 'ok', details}])
    if (events.length > 0) await state.writeHolds(Buffer.from(JSON.stringify({lastId, holds}, null, 2) + '\n'))
    await putState(state.store, marker, Buffer.from(JSON.stringify(details) + '\n'), true).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error
    })
    process.stderr.write(
      `callrec: moved this machine's state of ${archive.root} (${local.location}) into ${state.location}: ${journalFacts ? `journal (${journalFacts.bytes} bytes) as ${journalFacts.as}, ` : ''}${details.holds} hold(s), HMAC key ${hmacKey}; the local copy is left in place and no longer used\n`,
    )
  })
}
