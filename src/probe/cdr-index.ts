import {createHash} from 'node:crypto'
import {rmSync} from 'node:fs'
import {access, constants, mkdir, mkdtemp, readdir, rename, rm, stat} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {DateTime} from 'luxon'
import type {Archive} from '../archive.js'
import {CallrecError} from '../errors.js'
import {stateFolder} from '../journal/paths.js'
import {durationOf} from '../policy/retention.js'
import type {CdrDatabaseConfig, CdrFileConfig, Policy} from '../policy/schema.js'
import {timeZone} from '../policy/zone.js'
import {bareUniqueId, parseUniqueId} from './asterisk-id.js'
import {databaseError, databaseLabel, openDriver, passwordOf, readRows, selectColumns, type CdrDriver} from './cdr/database.js'
import {readCdrFile} from './cdr/index.js'
import {buildIndex, CdrTable, INDEX_VERSION, type AgentCall} from './cdr/sqlite-index.js'
import type {CdrCall, CdrProblem, CdrSink} from './cdr/types.js'
import {matchFilename} from './filenames/index.js'
import {AUDIO_EXT} from './filenames/parts.js'
import {wallClockToUtc} from './time.js'

/**
 * Every CDR source of the policy (files, databases), each an SQLite index on disk, so that a CDR of millions of
 * rows costs disk, not heap. Built once and kept in `.callrec/cache/` while its source is unchanged.
 */
export interface CdrIndex {
  /** The CDR files, as keys; they are indexes, not recordings. */
  files: string[]
  /**
   * The call a recording belongs to: the row naming its file (FreePBX's recordingfile) first, then the row of one of
   * its call ids by uniqueid, then by linkedid. Of several rows, an answered one.
   */
  find(key: string, callIds: (string | undefined)[]): CdrCall | undefined
  /** Every call, streamed from disk; `recorded`: only those the CDR marks recorded. */
  calls(which?: 'all' | 'recorded'): Iterable<CdrCall>
  /** Answered calls with an agent, reduced to what a per-agent count needs. */
  answeredByAgent(): Iterable<AgentCall>
  problems(): Iterable<CdrProblem>
  close(): void
}

export async function loadCdrIndex(archive: Archive): Promise<CdrIndex> {
  const {policy} = archive
  const tables: CdrTable[] = []
  try {
    const oldest = policy.cdr.some((entry) => 'url' in entry) ? await oldestRecording(archive) : undefined
    for (const entry of policy.cdr) {
      tables.push('url' in entry ? await databaseTable(archive, entry, oldest) : await fileTable(archive, entry))
    }
  } catch (error) {
    for (const table of tables) table.close()
    throw error
  }
  return indexOver(tables, policy.cdr.flatMap((entry) => ('path' in entry ? [entry.path] : [])))
}

function indexOver(tables: CdrTable[], files: string[]): CdrIndex {
  // Across sources as within one: the first answered row, else the first row.
  const best = (find: (table: CdrTable) => CdrCall | undefined): CdrCall | undefined => {
    let first: CdrCall | undefined
    for (const table of tables) {
      const call = find(table)
      if (call?.disposition === 'ANSWERED') return call
      first ??= call
    }
    return first
  }
  return {
    files,
    find(key, callIds) {
      if (tables.length === 0) return undefined
      const plain = key.replace(/\.age$/i, '')
      const byFile = best((table) => table.findByFile(plain.slice(plain.lastIndexOf('/') + 1)))
      if (byFile) return byFile
      for (const id of callIds) {
        const bare = id && bareUniqueId(id)
        if (!bare) continue
        const call = best((table) => table.findById(bare)) ?? best((table) => table.findByLinkedId(bare))
        if (call) return call
      }
      return undefined
    },
    *calls(which = 'all') {
      for (const table of tables) yield* table.calls(which)
    },
    *answeredByAgent() {
      for (const table of tables) yield* table.answeredByAgent()
    },
    *problems() {
      for (const table of tables) yield* table.problems()
    },
    close() {
      for (const table of tables) table.close()
    },
  }
}

async function fileTable(archive: Archive, entry: CdrFileConfig): Promise<CdrTable> {
  const {store} = archive
  const timezone = entry.timezone ?? archive.policy.timezone
  const cannotRead = (error: unknown) => new CallrecError(`${entry.path}: cannot read the CDR index named in the policy (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`)
  const opened = await store.open(entry.path).catch((error) => {
    throw cannotRead(error)
  })
  if (!opened) throw cannotRead({code: 'ENOENT'})
  await opened.close()
  // Size, mtime and inode: Asterisk appends to Master.csv, logrotate replaces it.
  const local = store.localPath?.(entry.path)
  const inode = local ? (await stat(local)).ino : 0
  const fingerprint = JSON.stringify({size: opened.size, mtime: opened.modifiedAt.getTime(), inode, format: entry.format, timezone})
  return cachedTable(archive, {file: entry.path}, fingerprint, entry.path, async (sink) => {
    try {
      await readCdrFile(store.createReadStream(entry.path), entry.path, entry.format, timezone, sink)
    } catch (error) {
      throw error instanceof CallrecError ? error : cannotRead(error)
    }
  })
}

async function databaseTable(archive: Archive, entry: CdrDatabaseConfig, oldest: string | undefined): Promise<CdrTable> {
  const config = {...entry, timezone: entry.timezone ?? archive.policy.timezone}
  const label = databaseLabel(config)
  const base = archive.store.localPath ? archive.root : process.cwd()
  const password = await passwordOf(config, (file) => path.resolve(base, file))
  // Rows older than the oldest recording (less the margin) join nothing: the CDR outlives purged recordings.
  const since = oldest
    ? DateTime.fromISO(oldest).minus(durationOf(config.margin)).setZone(timeZone(config.timezone)).toFormat('yyyy-MM-dd HH:mm:ss')
    : undefined
  let driver: CdrDriver | undefined
  try {
    driver = await openDriver(config, password)
    const select = selectColumns(config, await driver.columns())
    const calldate = select.find((column) => column.as === 'start')!.column
    const fingerprint = JSON.stringify({select, since, timezone: config.timezone, rows: await driver.fingerprint(calldate, since)})
    const opened = driver
    return await cachedTable(archive, {database: label}, fingerprint, label, (sink) => readRows(opened, config, select, since, sink))
  } catch (error) {
    throw databaseError(config, error)
  } finally {
    await driver?.close()
  }
}

/**
 * The index of one source: the cached file when its fingerprint matches, else a new one built beside it and renamed
 * into place. An archive whose state folder cannot be written (read-only, another user's) gets a temporary index.
 */
async function cachedTable(archive: Archive, identity: object, fingerprint: string, source: string, fill: (sink: CdrSink) => Promise<void>): Promise<CdrTable> {
  const folder = path.join(stateFolder(archive), 'cache')
  const name = `cdr-${createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 20)}.sqlite`
  const file = path.join(folder, name)
  const stamp = `${INDEX_VERSION} ${fingerprint}`
  const cached = CdrTable.open(file, source)
  if (cached?.meta('fingerprint') === stamp) return cached
  cached?.close()

  const writable = await mkdir(folder, {recursive: true}).then(() => access(folder, constants.W_OK)).then(() => true, () => false)
  const temp = writable ? `${file}.${process.pid}.tmp` : path.join(await mkdtemp(path.join(tmpdir(), 'callrec-cdr-')), name)
  const cleanup = () => rmSync(writable ? temp : path.dirname(temp), {recursive: true, force: true})
  process.once('exit', cleanup)
  try {
    if (writable) await removeAbandoned(folder, name)
    await buildIndex(temp, {fingerprint: stamp, source}, bareUniqueId, fill)
    if (!writable) return CdrTable.open(temp, source, cleanup)!
    await rename(temp, file)
    process.removeListener('exit', cleanup)
    return CdrTable.open(file, source)!
  } catch (error) {
    cleanup()
    process.removeListener('exit', cleanup)
    throw error
  }
}

/** Half-built indexes of runs that were killed (their process is gone). */
async function removeAbandoned(folder: string, name: string): Promise<void> {
  for (const entry of await readdir(folder)) {
    const pid = new RegExp(`^${name.replaceAll('.', String.raw`\.`)}\\.(\\d+)\\.tmp$`).exec(entry)?.[1]
    if (pid && Number(pid) !== process.pid && !alive(Number(pid))) await rm(path.join(folder, entry), {force: true})
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const AUDIO_NAME = new RegExp(String.raw`\.${AUDIO_EXT}(?:\.age)?$`, 'i')

/**
 * The oldest recording's date, from a listing: the date in its name (or its uniqueid's epoch), else its mtime.
 * A cheap bound for the database query; the entry's margin covers dates that only a sidecar or tag tells.
 */
async function oldestRecording(archive: Archive): Promise<string | undefined> {
  const {store, policy} = archive
  let oldest: string | undefined
  for await (const folder of store.list()) {
    for (const key of folder.keys) {
      if (!AUDIO_NAME.test(key)) continue
      const date = nameDate(key, policy) ?? (await mtimeOf(archive, key))
      if (date && (!oldest || date < oldest)) oldest = date
    }
  }
  return oldest
}

function nameDate(key: string, policy: Policy): string | undefined {
  const name = matchFilename(key)
  if (name?.facts.localTime) return wallClockToUtc(name.facts.localTime, name.facts.utc ? 'UTC' : policy.timezone)
  const epoch = name?.facts.uniqueId && parseUniqueId(name.facts.uniqueId)?.epoch
  return epoch ? new Date(epoch * 1000).toISOString() : undefined
}

async function mtimeOf(archive: Archive, key: string): Promise<string | undefined> {
  const entry = await archive.store.open(key).catch(() => undefined)
  if (!entry) return undefined
  await entry.close()
  return entry.modifiedAt.toISOString()
}
