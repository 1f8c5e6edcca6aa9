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
  /** Reads the rows of these keys (a batch of the scan) in one range query, for the `facts` calls that follow. */
  prefetch(keys: readonly string[]): void
  /**
   * A recording's facts: at once when its file and sidecar are unchanged since they were cached, otherwise the read
   * to run (the caller decides how many run at once). Each file is stat'ed and looked up once either way.
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
  let db: DatabaseSync
  try {
    mkdirSync(folder, {recursive: true, mode: 0o700})
    db = openDatabase(new DatabaseSync(file))
  } catch (error) {
    // A state folder this user cannot write (another account's archive, a read-only mount): no cache, every file read.
    if (['EACCES', 'EPERM', 'EROFS'].includes((error as NodeJS.ErrnoException).code ?? '') || !existsSync(folder)) return undefined
    // Not ours, damaged, or of another schema: start over.
    try {
      for (const suffix of ['', '-wal', '-shm']) rmSync(file + suffix, {force: true})
      db = openDatabase(new DatabaseSync(file))
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
  db.exec('CREATE TABLE IF NOT EXISTS facts (key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, facts TEXT NOT NULL) WITHOUT ROWID')
  const version = (db.prepare('SELECT value FROM meta WHERE name = ?').get('version') as {value: string} | undefined)?.value
  if (version !== codeVersion()) {
    db.exec('DELETE FROM facts')
    db.prepare('INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)').run('version', codeVersion())
  }
  return db
}

class SqliteProbeCache implements ProbeCache {
  private readonly get: StatementSync
  private readonly put: StatementSync
  private readonly getMany: StatementSync
  private readonly getRange: StatementSync
  /** Rows prefetched and not yet looked up; a key prefetched without a row maps to undefined. */
  private readonly rows = new Map<string, {fingerprint: string; facts: string} | undefined>()
  private pending: [key: string, fingerprint: string, facts: string][] = []
  /** Files looked up in this run. */
  private looked = 0

  constructor(
    private readonly db: DatabaseSync,
    private readonly store: Store,
    private readonly fingerprint: (key: string) => string | undefined,
  ) {
    this.get = db.prepare('SELECT fingerprint, facts FROM facts WHERE key = ?')
    this.put = db.prepare('INSERT OR REPLACE INTO facts (key, fingerprint, facts) VALUES (?, ?, ?)')
    this.getMany = db.prepare('SELECT key, fingerprint, facts FROM facts WHERE key IN (SELECT value FROM json_each(?))')
    // The rows between two keys, at most ?: one walk along the index.
    this.getRange = db.prepare('SELECT key, fingerprint, facts FROM facts WHERE key >= ? AND key <= ? LIMIT ?')
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
    for (const row of this.getRange.all(first, last, 4 * keys.length) as {key: string; fingerprint: string; facts: string}[]) {
      if (this.rows.has(row.key)) this.rows.set(row.key, row)
    }
    const missing = keys.filter((key) => this.rows.get(key) === undefined)
    if (missing.length === 0) return
    for (const row of this.getMany.all(JSON.stringify(missing)) as {key: string; fingerprint: string; facts: string}[]) this.rows.set(row.key, row)
  }

  facts({key, sidecarKey, sniff = false}: FactsTask, timeoutMs: number): RecordingFacts | (() => Promise<RecordingFacts>) {
    // Whether the content decides that this is a recording is part of what was asked: part of the key's fingerprint.
    const file = this.lookup<RecordingFacts & {transient?: true}>(key, sniff ? ':sniff' : '')
    const readSidecar = (looked: {fingerprint?: string}) => this.read(sidecarKey!, looked, () => readSidecarFacts(this.store, sidecarKey!), () => true)
    if ('facts' in file) {
      const known = file.facts
      if (!sidecarKey || known.notRecording) return known
      const sidecar = this.lookup<SidecarFacts>(sidecarKey, '')
      return 'facts' in sidecar ? withSidecar(known, sidecar.facts) : async () => withSidecar(known, await readSidecar(sidecar))
    }
    return async () => {
      const read = await this.read(key, file, () => readFileFacts(this.store, key, sniff, timeoutMs), (facts) => !facts.transient)
      if (!sidecarKey || read.notRecording) return read
      // Looked up after the file's read, as every fingerprint is taken before its own read: a file changed meanwhile is read again next time.
      const sidecar = this.lookup<SidecarFacts>(sidecarKey, '')
      return withSidecar(read, 'facts' in sidecar ? sidecar.facts : await readSidecar(sidecar))
    }
  }

  /** `key`'s cached facts if its file is unchanged since; otherwise its fingerprint now, to cache what a read finds. */
  private lookup<T>(key: string, asked: string): Lookup<T> {
    const row = this.rows.has(key) ? this.rows.get(key) : (this.get.get(key) as {fingerprint: string; facts: string} | undefined)
    this.rows.delete(key)
    this.looked++
    const stat = this.fingerprint(key)
    const fingerprint = stat === undefined ? undefined : stat + asked
    return fingerprint !== undefined && row?.fingerprint === fingerprint ? {facts: factsOf<T>(key, row.facts)} : {fingerprint}
  }

  private async read<T extends object>(key: string, {fingerprint}: {fingerprint?: string}, read: () => Promise<T>, keep: (facts: T) => boolean): Promise<T> {
    const facts = await read()
    if (fingerprint !== undefined && keep(facts)) {
      const {key: _key, ...rest} = facts as T & {key: string}
      this.pending.push([key, fingerprint, JSON.stringify(rest)])
    }
    return facts
  }

  flush(): void {
    if (this.pending.length === 0) return
    this.db.exec('BEGIN')
    try {
      for (const [key, fingerprint, facts] of this.pending) this.put.run(key, fingerprint, facts)
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
    // Rows of deleted files are never read again but take room: once they outnumber the archive's files, start
    // over (the next run reads every file once). Cheaper than marking every row each run.
    if (complete) {
      const {rows} = this.db.prepare('SELECT count(*) AS rows FROM facts').get() as {rows: number}
      if (rows > 2 * this.looked + 1000) this.db.exec('DELETE FROM facts')
    }
    this.db.close()
  }
}

/** A file found unchanged (its cached facts), or not (its fingerprint now, none when it is gone). */
type Lookup<T> = {facts: T} | {fingerprint?: string}

/** A row's facts with their key, which the row keeps apart (no copy of the parsed object: one per file). */
function factsOf<T>(key: string, facts: string): T {
  return Object.assign(JSON.parse(facts), {key}) as T
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
