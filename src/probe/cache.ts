import {createHash} from 'node:crypto'
import {existsSync, mkdirSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import type {DatabaseSync, StatementSync} from 'node:sqlite'
import type {Archive} from '../archive.js'
import {stateFolder} from '../journal/paths.js'
import type {Store} from '../store/types.js'
import {readFileFacts, readSidecarFacts, withSidecar, type FactsTask, type RecordingFacts, type SidecarFacts} from './facts.js'

/**
 * The probe cache: what each file said at the last scan (audio header, tags, sidecar fields), keyed by its key and
 * valid while its fingerprint (size, mtime, ctime, inode) is the same, so that re-auditing an unchanged archive
 * costs a stat per file. Facts hold no policy and no CDR (those are applied afresh on every run), so only the code
 * that produces facts can make them stale: its hash is the cache's version, and a new callrec starts a new cache.
 *
 * Kept in `.callrec/cache/probe.sqlite` (Node's built-in SQLite: off the JS heap, one indexed lookup per file;
 * 1,000,000 recordings cost no memory beyond SQLite's page cache), and only for a local archive whose `.callrec/`
 * state folder already exists: an audit never creates state in an archive that has none. A damaged or foreign
 * database is deleted and rebuilt; it is a cache, nothing in it is needed.
 */
export interface ProbeCache {
  /** Reads the rows of these recordings (a batch of the scan) in one range query, for the `facts` calls that follow. */
  prefetch(keys: readonly string[]): void
  /**
   * A recording's facts: at once when its file and sidecar are unchanged since they were cached, otherwise the read
   * to run (the caller decides how many run at once); only what changed is read. Each file is stat'ed once.
   */
  facts(task: FactsTask, timeoutMs: number): RecordingFacts | (() => Promise<RecordingFacts>)
  /** Writes what this batch learnt, in one transaction. */
  flush(): void
  /** `complete`: the scan saw the whole archive, so rows of files gone since can be told from the rest. */
  close(complete: boolean): void
}

const FILE = 'probe.sqlite'

export async function openProbeCache(archive: Archive): Promise<ProbeCache | undefined> {
  const {store} = archive
  const state = stateFolder(archive)
  const fingerprint = store.fingerprint?.bind(store)
  if (!fingerprint || !existsSync(state)) return undefined
  const folder = path.join(state, 'cache')
  const file = path.join(folder, FILE)
  const {DatabaseSync} = await importSqlite()
  const fresh = () => {
    for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, {force: true})
    return openDatabase(new DatabaseSync(file))
  }
  let db: DatabaseSync
  try {
    mkdirSync(folder, {recursive: true, mode: 0o700})
    db = openDatabase(new DatabaseSync(file))
    // Made by another callrec: its rows may hold other facts, in another layout.
    if (db.prepare('SELECT value FROM meta WHERE name = ?').get('version')?.value !== codeVersion()) {
      db.close()
      db = fresh()
    }
  } catch (error) {
    // A state folder this user cannot write (another account's archive, a read-only mount): no cache, every file read.
    if (['EACCES', 'EPERM', 'EROFS'].includes((error as NodeJS.ErrnoException).code ?? '') || !existsSync(folder)) return undefined
    // Not ours or damaged: start over.
    try {
      db = fresh()
    } catch {
      return undefined
    }
  }
  return new SqliteProbeCache(db, store, fingerprint)
}

function openDatabase(db: DatabaseSync): DatabaseSync {
  // A lost write costs one more read of a file next time: no fsync, a journal in memory.
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA busy_timeout = 5000')
  db.exec('CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID')
  // One row a recording: the fingerprints of its file and of its sidecar (NULL: none), and what each said.
  db.exec('CREATE TABLE IF NOT EXISTS recordings (key TEXT PRIMARY KEY, file TEXT NOT NULL, sidecar TEXT, facts TEXT NOT NULL) WITHOUT ROWID')
  db.prepare('INSERT OR IGNORE INTO meta (name, value) VALUES (?, ?)').run('version', codeVersion())
  return db
}

interface Row {
  key: string
  /** The file's fingerprint, and whether the content was asked to tell that it is a recording (`:sniff`). */
  file: string
  sidecar: string | null
  /** JSON of Cached. */
  facts: string
}

/** What a row keeps: the facts of the file and of its sidecar, without their keys (the row's and its sidecar's). */
interface Cached {
  file: Omit<RecordingFacts, 'key'>
  sidecar?: Omit<SidecarFacts, 'key'>
}

class SqliteProbeCache implements ProbeCache {
  private readonly get: StatementSync
  private readonly put: StatementSync
  private readonly getMany: StatementSync
  private readonly getRange: StatementSync
  /** Rows prefetched and not yet looked up; a key prefetched without a row maps to undefined. */
  private readonly rows = new Map<string, Row | undefined>()
  private pending: [key: string, file: string, sidecar: string | null, facts: string][] = []
  /** Recordings looked up in this run. */
  private looked = 0

  constructor(
    private readonly db: DatabaseSync,
    private readonly store: Store,
    private readonly fingerprint: (key: string) => string | undefined,
  ) {
    this.get = db.prepare('SELECT key, file, sidecar, facts FROM recordings WHERE key = ?')
    this.put = db.prepare('INSERT OR REPLACE INTO recordings (key, file, sidecar, facts) VALUES (?, ?, ?, ?)')
    this.getMany = db.prepare('SELECT key, file, sidecar, facts FROM recordings WHERE key IN (SELECT value FROM json_each(?))')
    // The rows between two keys, at most ?: one walk along the index.
    this.getRange = db.prepare('SELECT key, file, sidecar, facts FROM recordings WHERE key >= ? AND key <= ? LIMIT ?')
  }

  prefetch(keys: readonly string[]): void {
    for (const key of keys) this.rows.set(key, undefined)
    if (keys.length === 0) return
    // A batch's keys are neighbours in the listing, and so in the index: reading the rows between its first and
    // last key costs about half of looking each one up. The range stops at a limit (a batch may span a big
    // subfolder), and what it did not find (new files, a range cut short, a name JavaScript and SQLite sort
    // apart) is looked up key by key.
    let [first, last] = [keys[0], keys[0]]
    for (const key of keys) {
      if (key < first) first = key
      if (key > last) last = key
    }
    for (const row of this.getRange.all(first, last, 4 * keys.length) as unknown as Row[]) {
      if (this.rows.has(row.key)) this.rows.set(row.key, row)
    }
    const missing = keys.filter((key) => this.rows.get(key) === undefined)
    if (missing.length === 0) return
    for (const row of this.getMany.all(JSON.stringify(missing)) as unknown as Row[]) this.rows.set(row.key, row)
  }

  facts({key, sidecarKey, sniff = false}: FactsTask, timeoutMs: number): RecordingFacts | (() => Promise<RecordingFacts>) {
    const row = this.rows.has(key) ? this.rows.get(key) : (this.get.get(key) as unknown as Row | undefined)
    this.rows.delete(key)
    this.looked++
    // Whether the content decides that this is a recording is part of what was asked: part of the file's fingerprint.
    const stamp = this.fingerprint(key)
    const file = stamp === undefined ? undefined : stamp + (sniff ? ':sniff' : '')
    const cached = row && (row.file === file || row.sidecar !== null) ? (JSON.parse(row.facts) as Cached) : undefined
    if (file !== undefined && row?.file === file) {
      const known = Object.assign(cached!.file, {key}) as RecordingFacts
      if (!sidecarKey || known.notRecording) return known
      const sidecar = this.fingerprint(sidecarKey)
      if (sidecar !== undefined && row.sidecar === sidecar && cached!.sidecar) return withSidecar(known, {...cached!.sidecar, key: sidecarKey})
      return () => this.withSidecar(key, file, known, sidecarKey, sidecar, undefined)
    }
    return async () => {
      const read = await readFileFacts(this.store, key, sniff, timeoutMs)
      const keep = read.transient ? undefined : file
      if (!sidecarKey || read.notRecording) {
        if (keep !== undefined) this.keep(key, keep, {file: read}, undefined)
        return read
      }
      // Taken after the file's read, as every fingerprint is taken before its own read: a file changed meanwhile is read again next time.
      const sidecar = this.fingerprint(sidecarKey)
      const unchanged = sidecar !== undefined && row?.sidecar === sidecar ? cached?.sidecar : undefined
      return this.withSidecar(key, keep, read, sidecarKey, sidecar, unchanged && {...unchanged, key: sidecarKey})
    }
  }

  /** The file's facts with its sidecar's, read unless `unchanged`; kept when both fingerprints are known. */
  private async withSidecar(key: string, file: string | undefined, facts: RecordingFacts, sidecarKey: string, sidecar: string | undefined, unchanged: SidecarFacts | undefined): Promise<RecordingFacts> {
    const found = unchanged ?? (await readSidecarFacts(this.store, sidecarKey))
    if (file !== undefined && sidecar !== undefined) this.keep(key, file, {file: facts, sidecar: found}, sidecar)
    return withSidecar(facts, found)
  }

  private keep(key: string, file: string, {file: facts, sidecar}: {file: RecordingFacts; sidecar?: SidecarFacts}, sidecarStamp: string | undefined): void {
    const cached: Cached = {file: withoutKey(facts), ...(sidecar ? {sidecar: withoutKey(sidecar)} : {})}
    this.pending.push([key, file, sidecarStamp ?? null, JSON.stringify(cached)])
  }

  flush(): void {
    if (this.pending.length === 0) return
    this.db.exec('BEGIN')
    try {
      for (const [key, file, sidecar, facts] of this.pending) this.put.run(key, file, sidecar, facts)
      this.db.exec('COMMIT')
    } catch (error) {
      this.db.exec('ROLLBACK')
      throw error
    } finally {
      this.pending = []
    }
  }

  close(complete: boolean): void {
    this.flush()
    // Rows of deleted files are never read again but take room: once they outnumber the archive's recordings,
    // start over (the next run reads every file once). Cheaper than marking every row each run.
    if (complete) {
      const {rows} = this.db.prepare('SELECT count(*) AS rows FROM recordings').get() as {rows: number}
      if (rows > 2 * this.looked + 1000) this.db.exec('DELETE FROM recordings')
    }
    this.db.close()
  }
}

function withoutKey<T extends {key: string; transient?: true}>(facts: T): Omit<T, 'key' | 'transient'> {
  const {key: _key, transient: _transient, ...rest} = facts
  return rest
}

/** Node 22 marks node:sqlite experimental and says so on stderr, which a CLI's users need not read. */
async function importSqlite(): Promise<typeof import('node:sqlite')> {
  const emit = process.emitWarning
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('SQLite')) (emit as (...args: unknown[]) => void).call(process, warning, ...rest)
  }) as typeof process.emitWarning
  try {
    return await import('node:sqlite')
  } finally {
    process.emitWarning = emit
  }
}

let version: string | undefined
/** The hash of the code that makes facts (this folder, compiled) and of music-metadata's version: a change of either empties the cache. */
function codeVersion(): string {
  if (version) return version
  const hash = createHash('sha256')
  const here = path.dirname(fileURLToPath(import.meta.url))
  for (const entry of readdirSync(here, {recursive: true, withFileTypes: true}).sort((a, b) => (path.join(a.parentPath, a.name) < path.join(b.parentPath, b.name) ? -1 : 1))) {
    if (entry.isFile() && /\.[jt]s$/.test(entry.name)) hash.update(entry.name).update(readFileSync(path.join(entry.parentPath, entry.name)))
  }
  const musicMetadata = fileURLToPath(import.meta.resolve('music-metadata'))
  hash.update(readFileSync(path.join(musicMetadata, '..', '..', 'package.json')))
  return (version = hash.digest('hex').slice(0, 32))
}
