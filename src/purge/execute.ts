import {lstatSync} from 'node:fs'
import type {DateTime} from 'luxon'
import pMap from 'p-map'
import type {Archive} from '../archive.js'
import {CallrecError, errorMessage, EXIT} from '../errors.js'
import {loadHolds, type HoldIndex} from '../holds/index.js'
import {resolveEntries} from '../journal/entry-keys.js'
import {formatHead, JournalDamagedError, JournalWriteError, readEntries, type FileJournal} from '../journal/file.js'
import type {Lock} from '../journal/lock.js'
import {stateFolder} from '../journal/paths.js'
import type {StateFile} from '../journal/state-file.js'
import {stateOf} from '../state/index.js'
import type {JournalEntry, JournalEvent} from '../journal/types.js'
import type {SourcedFields} from '../model.js'
import {activeHold} from '../rules/types.js'
import {readSidecar} from '../probe/facts.js'
import {LocalStore, syncFolder} from '../store/local.js'
import type {Eraser, FileFact as StoreFileFact, Store, VersionScope} from '../store/types.js'
import {fingerprint, PinnedFolders, removeEmptied, removeHashed, splitKey, type FileFact, type Fingerprint, type Hashed} from './local-act.js'
import {bareKey, dueFacts, type Candidate, type Selection} from './select.js'

export type {FileFact} from './local-act.js'

// Crash safety. A purge deletes in batches, and for each batch, in this order:
//   1. under the holds file's lock, checks every recording against the holds again, then hashes it;
//   2. appends one journal entry per recording (size and SHA-256 of each file) and fsyncs the journal;
//   3. only then unlinks the files and the sidecars, and fsyncs their folders.
// Every read and unlink goes through folders pinned without symlinks (local-act.ts): a file is hashed from the
// inode that is then deleted, and deleted only if its folder and itself are still the ones hashed.
// So a file is never gone without its entry. A kill between 2 and 3 leaves entries whose files are still
// there: before its first entry, a run writes a pending marker naming itself (fsynced) and removes it
// only when done; the next run reads the entries of the runs the marker names and finishes them, with no
// new entry, if the file is unchanged (same SHA-256) and still not held, or appends an entry with outcome
// "failed" that undoes the claim (the file changed, or a hold came). Either way every file is in the end
// still there and still selected, or gone with its entry.
const PENDING = 'purge-pending.json'

export interface PurgeOptions {
  journal: FileJournal
  lock: Lock
  run: string
  now: DateTime
  command: string
  reason?: string
  certificate?: string
  /** `--caller`: the HMAC of the number whose erasure was asked, so the request can be found again. */
  callerHmac?: string
  batchSize?: number
  /** A versioned bucket: every version of each recording, or its current version (S3 stores only). */
  versions?: VersionScope
  progress?(done: number, total: number): void
}

export interface Deleted {
  key: string
  files: FileFact[]
  sidecar?: string
  rules: string[]
  recordedAt?: Candidate['recordedAt']
  purpose?: string
  retention?: Candidate['retention']
  seq: number
  entryHash: string
  deletedAt: string
  /** Journaled by an interrupted run, finished by this one. */
  finished?: boolean
}

export interface PurgeResult {
  run: string
  deleted: Deleted[]
  /** Put on hold since the plan: kept. */
  held: {key: string; why: string}[]
  /** Changed since the plan, or no longer a plain file inside the root: kept for the next run to judge. */
  changed: {key: string; why: string}[]
  /** Gone before this run reached them: not an error. */
  vanished: string[]
  failed: {key: string; error: string}[]
  /** Deletions journaled by an interrupted run that did not happen after all, each undone by an entry. */
  undone: {key: string; seq: number; why: string}[]
  journal: {file: string; firstSeq?: number; lastSeq?: number; head?: string}
  /** Folders this run emptied and removed (never the root). */
  removedFolders: string[]
  /** The journal could not take an entry: the run stopped before its next deletion. */
  stopped?: {error: string; lastSeq?: number; head?: string; notReached: number}
}

type Item = {candidate: Candidate; entry?: JournalEntry}
/** What the check of one recording before its deletion found: held now, its forms' facts, or a read error. */
type Checked = {held: string} | {facts: Fingerprint[]} | {error: unknown} | {fatal: unknown}

/** Purge reads and unlinks through pinned local folders; an S3 purge (every object version, Object Lock) will be its own. */
type LocalArchiveStore = LocalStore
const isLocal = (store: Store): store is LocalArchiveStore => store instanceof LocalStore

export async function executePurge(archive: Archive, selection: Selection, options: PurgeOptions): Promise<PurgeResult> {
  const store = archive.store
  // Other stores (S3: versions, Object Lock) take the same flow, their reads and deletions through their Eraser.
  const eraser = isLocal(store) ? undefined : store.eraser?.({versions: options.versions ?? 'all'})
  if (!isLocal(store) && !eraser) throw new CallrecError(`${store.location}: this store cannot purge`)
  const result: PurgeResult = {run: options.run, deleted: [], held: [], changed: [], vanished: [], failed: [], undone: [], journal: {file: options.journal.file}, removedFolders: []}
  const marker = await pendingMarker(archive)
  const pending = await pendingEntries(marker, options.journal.state)
  const {runs} = pending
  // Entries store keys masked beside their HMAC: put back in clear from the candidates' keys (or the archive's).
  const known = [...selection.candidates.values()].flatMap((candidate) => [...candidate.forms.map((form) => form.key), ...(candidate.sidecarKey ? [candidate.sidecarKey] : [])])
  const entries = await resolveEntries(pending.entries, store, await options.journal.keyHmac(), known)
  await marker.write([...runs, options.run])

  const items: Item[] = []
  const orphans: JournalEntry[] = []
  for (const entry of entries) {
    const candidate = selection.candidates.get(bareKey(entry.keys[0]))
    if (candidate) items.push({candidate, entry})
    else orphans.push(entry)
    selection.candidates.delete(bareKey(entry.keys[0]))
  }
  for (const candidate of selection.candidates.values()) items.push({candidate})

  const archiveState = await stateOf(archive)
  let holds: HoldIndex | undefined
  let version = ''
  const batchSize = options.batchSize ?? 500
  const sidecarUsers = selection.sidecarUsers
  // The run's first and last entries, for the result: not every entry, which a large purge would keep in memory.
  let firstAppended: JournalEntry | undefined
  let lastAppended: JournalEntry | undefined
  const appended = (entries: JournalEntry[]) => {
    firstAppended ??= entries[0]
    lastAppended = entries.at(-1) ?? lastAppended
  }
  let done = 0

  // Stops the run, journaled, once a lock that keeps others out (the archive's, the holds file's) was lost.
  const stopIfLockLost = async (locks: Lock[]) => {
    const lost = locks.find((lock) => lock.compromised)?.compromised
    if (!lost) return
    const why = `lost the lock (${lost.message}): stopped before deleting more; run purge again`
    await options.journal.append({action: 'purge', command: options.command, keys: [], outcome: 'failed', details: {run: options.run, why}})
    throw new CallrecError(why, EXIT.partial)
  }
  // What the journal and the certificate say of a file: a local file's hash and links; an S3 object's ETag, storage class and the version ids deleted.
  const factsOf = (files: Hashed[]): FileFact[] => (eraser ? (files as FileFact[]) : files.map(({key, size, sha256, links}) => ({key, size, sha256, links})))
  // Folders emptied by this run's deletions, with their device/inode: removed at the end if still empty.
  const emptied = new Map<string, string>()

  const batch = async (batch: Item[], orphans: JournalEntry[]) => {
    await stopIfLockLost([options.lock])
    await archiveState.withLock('holds', async (holdsLock) => {
      // A hold added since the last batch is seen now: `hold add` takes this same lock.
      const current = await archiveState.holdsVersion()
      if (current !== version) [holds, version] = [await loadHolds(archive), current]
      const events: JournalEvent[] = []
      const undo = (entry: JournalEntry, key: string, why: string) => {
        result.undone.push({key, seq: entry.seq, why})
        events.push({action: 'purge', command: options.command, keys: entry.keys, outcome: 'failed', details: {run: options.run, undoes: entry.seq, why}})
      }
      const fail = (key: string, error: unknown, entry?: JournalEntry) => {
        const why = `not deleted: ${errorMessage(error)}`
        result.failed.push({key, error: errorMessage(error)})
        if (entry) undo(entry, key, why)
        else events.push({action: 'purge', command: options.command, keys: [key], outcome: 'failed', details: {run: options.run, why}})
      }
      // Journaled by an interrupted run but no longer selected: undone if a file is still there.
      const gone: JournalEntry[] = []
      for (const entry of orphans) {
        const still = await pMap(entry.keys, (key) => store.exists(key))
        if (still.some(Boolean)) undo(entry, entry.keys[0], 'not deleted: no longer selected (put on hold, or no longer past retention)')
        else gone.push(entry)
      }

      const ready: {item: Item; files: Hashed[]; sidecar?: string}[] = []
      const hashing = eraser ? undefined : new PinnedFolders(store as LocalArchiveStore)
      // A store over the network (S3) answers many requests at once: the batch's facts are fetched together.
      const fetched = eraser && new Map(await pMap(batch, async (item) => [item, (await pMap(item.candidate.forms, (form) => eraser.fingerprint(form))) as unknown as Fingerprint[]] as const, {concurrency: 16}))
      // Each recording checked (hold, then size and hash of each form) several at a time, as a file's reads wait on
      // the disk; nothing rejects, so every read is over before the pinned folders close.
      const check = async (item: Item): Promise<Checked> => {
        const {candidate} = item
        let held: string | undefined
        try {
          held = await heldNow(store, holds!, candidate, options.now, selection.scanStartedAt)
        } catch (error) {
          return {fatal: error}
        }
        if (held) return {held}
        if (fetched) return {facts: fetched.get(item)!}
        try {
          const facts: Fingerprint[] = []
          for (const form of candidate.forms) facts.push(await fingerprint(hashing!, form))
          return {facts}
        } catch (error) {
          return {error}
        }
      }
      let checked: Checked[]
      try {
        checked = await pMap(batch, check, {concurrency: 16})
      } finally {
        await hashing?.close()
      }
      for (const [index, item] of batch.entries()) {
        const {candidate, entry} = item
        const outcome = checked[index]
        if ('fatal' in outcome) throw outcome.fatal
        if ('held' in outcome) {
          if (entry) undo(entry, candidate.id, `not deleted: ${outcome.held}`)
          else result.held.push({key: candidate.id, why: outcome.held})
          continue
        }
        // One recording that cannot be read (EACCES, EIO) is a failure of its own; the rest go on.
        if ('error' in outcome) {
          fail(candidate.id, outcome.error, entry)
          continue
        }
        const {facts} = outcome
        const changed = facts.findIndex((fact) => typeof fact === 'object' && 'changed' in fact)
        if (changed >= 0) {
          const why = (facts[changed] as {changed: string}).changed
          if (entry) undo(entry, candidate.forms[changed].key, `not deleted: ${why}`)
          else result.changed.push({key: candidate.forms[changed].key, why})
          continue
        }
        const files = facts.filter((fact): fact is Hashed => fact !== 'gone')
        if (entry) {
          const journaled = (entry.details?.files ?? []) as FileFact[]
          const differs = files.find((file) => !journaled.some((claim) => claim.key === file.key && claim.sha256 === file.sha256 && (claim as StoreFileFact).etag === (file as StoreFileFact).etag))
          if (differs) {
            undo(entry, differs.key, 'not deleted: its content changed after it was journaled')
            continue
          }
        } else if (files.length === 0) {
          result.vanished.push(...candidate.forms.map((form) => form.key))
          continue
        }
        ready.push({item, files, sidecar: lastUser(candidate, sidecarUsers) ? candidate.sidecarKey : undefined})
      }
      // Hashing may have taken long: a lock lost meanwhile stops the run before anything of this batch is deleted.
      await stopIfLockLost([options.lock, holdsLock])
      // The entries of this batch, fsynced, before any of its files is unlinked.
      const fresh = ready.filter(({item}) => !item.entry)
      const first = events.length
      events.push(...fresh.map(({item, files, sidecar}) => purgeEvent(item.candidate, factsOf(files), sidecar, options)))
      const entries = events.length > 0 ? await options.journal.appendAll(events) : []
      appended(entries)
      const entryOf = new Map(fresh.map(({item}, index) => [item, entries[first + index]]))

      const failures: JournalEvent[] = []
      // Each folder pinned again, now: the acts land in the folder that was hashed in, or nowhere.
      const deleting = eraser ? undefined : new PinnedFolders(store as LocalArchiveStore)
      const kept = eraser ? await eraseAll(eraser, ready) : undefined
      try {
        await pMap(
          ready,
          async ({item, files, sidecar}) => {
            const entry = item.entry ?? entryOf.get(item)!
            try {
              const why = kept && [...files.map((file) => file.key), ...(sidecar ? [sidecar] : [])].map((key) => kept.get(key)).find(Boolean)
              if (why) throw new Error(why)
              if (!kept) await removeHashed(deleting!, files, sidecar)
            } catch (error) {
              const left = (await pMap(item.entry?.keys ?? files.map(({key}) => key), async (key) => ((await store.exists(key)) ? [key] : []))).flat()
              result.failed.push({key: item.candidate.id, error: errorMessage(error)})
              failures.push({action: 'purge', command: options.command, keys: left, outcome: 'failed', details: {run: options.run, undoes: entry.seq, why: `not deleted: ${errorMessage(error)}`}})
              return
            }
            if (!eraser) for (const file of files) emptied.set(splitKey(file.key).folder, file.folderIdentity)
            // Finishing an interrupted run: its entry names every file, some of which that run had deleted.
            const facts = item.entry ? (item.entry.details!.files as FileFact[]) : factsOf(files)
            result.deleted.push(deletedOf(item.candidate, entry, facts, sidecar, Boolean(item.entry)))
          },
          {concurrency: 16},
        )
        for (const orphan of gone) {
          if (!orphan.details?.sidecar) continue
          if (eraser) {
            await store.remove(orphan.details.sidecar as string).catch((error: unknown) => result.failed.push({key: orphan.details!.sidecar as string, error: errorMessage(error)}))
            continue
          }
          const {folder, name} = splitKey(orphan.details.sidecar as string)
          await (await deleting!.get(folder)).unlink(name).catch((error: unknown) => result.failed.push({key: orphan.details!.sidecar as string, error: errorMessage(error)}))
        }
      } finally {
        // Unlinks made durable once per folder and batch.
        await deleting?.close(true)
      }
      if (failures.length > 0) appended(await options.journal.appendAll(failures))
    })
    done += batch.length
    options.progress?.(done, items.length)
  }

  let start = 0
  try {
    await batch(items.slice(0, batchSize), orphans)
    for (start = batchSize; start < items.length; start += batchSize) await batch(items.slice(start, start + batchSize), [])
  } catch (error) {
    // No deletion without its durable entry: the journal failing stops the run; the pending marker stays, so
    // the next run finishes what was journaled here.
    if (!(error instanceof JournalWriteError || error instanceof JournalDamagedError)) throw error
    const last = error instanceof JournalWriteError ? error.lastDurable : undefined
    result.stopped = {error: errorMessage(error), lastSeq: last?.seq, head: last && formatHead(last), notReached: items.length - start}
  }
  result.removedFolders = eraser ? [] : await removeEmptied(store as LocalArchiveStore, emptied)
  if (!result.stopped) await marker.clear()

  result.deleted.sort((a, b) => a.seq - b.seq)
  result.journal = {file: options.journal.file, firstSeq: firstAppended?.seq, lastSeq: lastAppended?.seq, head: lastAppended?.hash}
  return result
}

/** Whether an interrupted run left deletions to finish. */
export async function hasPendingRun(archive: Archive): Promise<boolean> {
  return (await (await pendingMarker(archive)).read()).length > 0
}

/** The runs that a kill interrupted between their entries and their deletions (see the comment on crash safety). */
interface PendingMarker {
  read(): Promise<string[]>
  write(runs: string[]): Promise<void>
  clear(): Promise<void>
}

async function pendingMarker(archive: Archive): Promise<PendingMarker> {
  const runsOf = (bytes: Buffer | undefined): string[] => (bytes ? (JSON.parse(bytes.toString('utf8')) as {runs: string[]}).runs : [])
  const encode = (runs: string[]) => Buffer.from(JSON.stringify({runs}) + '\n')
  if (archive.store.localPath) {
    const state = new LocalStore(stateFolder(archive))
    return {
      read: async () => runsOf(await state.readFile(PENDING).catch(() => undefined)),
      write: (runs) => state.writeAtomic(PENDING, encode(runs)),
      clear: async () => {
        await state.remove(PENDING)
        await syncFolder(state.location)
      },
    }
  }
  // An S3 archive's marker is in its shared state, so that the next purge, from any host, finishes the run.
  const file = (await stateOf(archive)).sideFile(PENDING)
  return {read: async () => runsOf(await file.readAll()), write: (runs) => file.replace(encode(runs)), clear: () => file.replace(encode([]))}
}

/** The entries of interrupted runs named by the pending marker, less those already undone. */
async function pendingEntries(marker: PendingMarker, journal: StateFile): Promise<{runs: string[]; entries: JournalEntry[]}> {
  const runs = await marker.read()
  if (runs.length === 0) return {runs: [], entries: []}
  const claimed = new Map<number, JournalEntry>()
  for await (const entry of readEntries(journal)) {
    if (entry.action !== 'purge' || !runs.includes(entry.details?.run as string)) continue
    if (entry.outcome === 'ok') claimed.set(entry.seq, entry)
    else claimed.delete(entry.details?.undoes as number)
  }
  return {runs, entries: [...claimed.values()]}
}

/** An active hold now: from the holds file as it is now, or written into the sidecar since the scan. */
/**
 * Deletes a batch through the store's eraser: the recordings' files first, then the sidecars of those wholly deleted
 * (a recording that Object Lock keeps keeps its sidecar too). Returns why each kept file was kept.
 */
async function eraseAll(eraser: Eraser, ready: {files: {key: string}[]; sidecar?: string}[]): Promise<Map<string, string>> {
  const kept = await eraser.removeMany(ready.flatMap(({files}) => files as StoreFileFact[]))
  const sidecars = ready.filter(({files, sidecar}) => sidecar && !files.some((file) => kept.has(file.key))).map(({sidecar}) => ({key: sidecar!}))
  for (const [key, why] of await eraser.removeMany(sidecars)) kept.set(key, why)
  return kept
}

/** An active hold now: from the holds file as it is now, or written into the sidecar since the scan (re-read where there is no cheap mtime). */
async function heldNow(store: Store, holds: HoldIndex, candidate: Candidate, now: DateTime, scanStartedAt: number): Promise<string | undefined> {
  const changed = candidate.sidecarKey !== undefined && (!store.localPath || changedSince(store.localPath(candidate.sidecarKey), scanStartedAt))
  const sidecar = changed ? (await readSidecar(store, candidate.sidecarKey!)).fields.legalHold : undefined
  const fields: SourcedFields = sidecar ? {legalHold: {value: sidecar, source: 'sidecar', ref: candidate.sidecarKey!}} : {}
  const legalHold = holds.legalHold({key: candidate.id, callId: candidate.callId, caller: candidate.caller, callee: candidate.callee}, fields) ?? fields.legalHold
  if (!legalHold || !activeHold({fields: {legalHold}}, now.toISODate()!)) return undefined
  return `legal hold "${legalHold.value.reason}"${legalHold.value.until ? ` until ${legalHold.value.until}` : ''} (${legalHold.source}: ${legalHold.ref})`
}

/** Whether a file may have changed since `since` (ms): its mtime is not older, with a second of margin for coarse timestamps. */
function changedSince(file: string | Buffer, since: number): boolean {
  const info = lstatSync(file, {throwIfNoEntry: false})
  return info !== undefined && info.mtimeMs >= since - 1000
}

/** Whether this candidate is the last scanned user of its sidecar (`x.wav` and `x.mp3` share `x.json`). */
function lastUser(candidate: Candidate, users: Map<string, number>): boolean {
  if (!candidate.sidecarKey) return false
  const left = users.get(candidate.sidecarKey)! - candidate.forms.length
  users.set(candidate.sidecarKey, left)
  return left === 0
}

function purgeEvent(candidate: Candidate, files: FileFact[], sidecar: string | undefined, options: PurgeOptions): JournalEvent {
  return {
    action: 'purge',
    command: options.command,
    keys: files.map((file) => file.key),
    reason: options.reason,
    outcome: 'ok',
    details: {
      run: options.run,
      rules: candidate.rules,
      ...dueFacts(candidate),
      callId: candidate.callId,
      callerHmac: options.callerHmac,
      files,
      sidecar,
      certificate: options.certificate,
    },
  }
}

function deletedOf(candidate: Candidate, entry: JournalEntry, files: FileFact[], sidecar: string | undefined, finished: boolean): Deleted {
  const {rules, recordedAt, purpose, retention} = candidate
  return {key: candidate.id, files, sidecar, rules, recordedAt, purpose, retention, seq: entry.seq, entryHash: entry.hash, deletedAt: entry.time, ...(finished ? {finished} : {})}
}
