// The CDR of one source as an SQLite file: a CDR can hold millions of rows (a mid-size call centre writes a
// million in a few months), far too many for the JS heap; SQLite keeps them on disk with a small page cache,
// and Node has it built in (node:sqlite, no native build).
import {createRequire} from 'node:module'
import type {DatabaseSync, StatementSync} from 'node:sqlite'
import type {CdrCall, CdrProblem, CdrSink} from './types.js'

type Sqlite = typeof import('node:sqlite')
let sqlite: Sqlite | undefined

/**
 * node:sqlite needs no flag on Node 22.13+, but announces itself with an ExperimentalWarning on stderr at load;
 * that line is noise for a cron job, so this one warning is dropped (any other goes through).
 */
function loadSqlite(): Sqlite {
  if (sqlite) return sqlite
  const emit = process.emitWarning
  process.emitWarning = function (this: unknown, warning: string | Error, ...rest: unknown[]) {
    if (String(warning).includes('SQLite is an experimental feature')) return
    return (emit as (...args: unknown[]) => void).call(process, warning, ...rest)
  } as typeof process.emitWarning
  try {
    sqlite = createRequire(import.meta.url)('node:sqlite') as Sqlite
  } finally {
    process.emitWarning = emit
  }
  return sqlite
}

/** Bumped when the table's shape or what is stored in it changes: older cache files are then rebuilt. */
export const INDEX_VERSION = 1

const COLUMNS = [
  'ref', 'uniqueid', 'bare', 'linkedbare', 'linkedid', 'start', 'answer', 'end_', 'src', 'dst', 'callername', 'channel', 'dstchannel',
  'dcontext', 'disposition', 'duration', 'billsec', 'accountcode', 'userfield', 'agent', 'recorded', 'recordingfile',
] as const

type IndexRow = Record<(typeof COLUMNS)[number], string | number | null>

/** What the systematic-recording measure reads of an answered call. */
export interface AgentCall {
  source: string
  agent: string
  start: string
  recorded: boolean
  uniqueId: string
}

/** Counts of a build, for messages and the benchmark. */
export interface BuildStats {
  calls: number
  problems: number
}

/**
 * Writes a new index to `file` (a fresh path: the caller renames it into place) from what `fill` reads.
 * Rows go in one transaction without a journal (a half-built file is thrown away, never reused), the join
 * indexes are built once at the end, partial (most rows name no recording and have no linkedid).
 */
export async function buildIndex(file: string, meta: Record<string, string>, bareOf: (id: string) => string, fill: (sink: CdrSink) => Promise<void>): Promise<BuildStats> {
  const {DatabaseSync} = loadSqlite()
  const db = new DatabaseSync(file)
  try {
    db.exec(`PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF; PRAGMA cache_size = -16000;
      CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE calls (${COLUMNS.join(', ')});
      CREATE TABLE problems (line INTEGER, ref TEXT NOT NULL, message TEXT NOT NULL);
      BEGIN`)
    const insertCall = db.prepare(`INSERT INTO calls VALUES (${COLUMNS.map(() => '?').join(', ')})`)
    const insertProblem = db.prepare('INSERT INTO problems VALUES (?, ?, ?)')
    const stats: BuildStats = {calls: 0, problems: 0}
    await fill({
      call(call) {
        stats.calls++
        insertCall.run(
          call.ref, call.uniqueId, bareOf(call.uniqueId) || null, call.linkedId ? bareOf(call.linkedId) : null, call.linkedId ?? null,
          call.start, call.answer ?? null, call.end ?? null, call.src, call.dst, call.callerName ?? null, call.channel, call.dstChannel,
          call.dcontext ?? null, call.disposition, call.durationSec, call.billSec, call.accountCode ?? null, call.userField ?? null,
          call.agent ?? null, call.recorded === undefined ? null : Number(call.recorded), call.recordingFile ?? null,
        )
      },
      problem(problem) {
        stats.problems++
        insertProblem.run(problem.line, problem.ref, problem.message)
      },
    })
    const setMeta = db.prepare('INSERT INTO meta VALUES (?, ?)')
    for (const [key, value] of Object.entries(meta)) setMeta.run(key, value)
    db.exec(`COMMIT;
      CREATE INDEX calls_bare ON calls (bare) WHERE bare IS NOT NULL;
      CREATE INDEX calls_linked ON calls (linkedbare) WHERE linkedbare IS NOT NULL;
      CREATE INDEX calls_file ON calls (recordingfile) WHERE recordingfile IS NOT NULL;`)
    return stats
  } finally {
    db.close()
  }
}

/** An index file opened for the run: joins by one statement each, whole-CDR rules by a streamed scan. */
export class CdrTable {
  private readonly db: DatabaseSync
  private readonly byFile: StatementSync
  private readonly byId: StatementSync
  private readonly byLinked: StatementSync

  /** Opens `file`; undefined when it is not a readable index (then it is rebuilt). `onClose` runs once closed. */
  static open(file: string, source: string, onClose?: () => void): CdrTable | undefined {
    const {DatabaseSync} = loadSqlite()
    let db: DatabaseSync | undefined
    try {
      db = new DatabaseSync(file, {readOnly: true})
      return new CdrTable(db, source, onClose)
    } catch {
      db?.close()
      return undefined
    }
  }

  private constructor(
    db: DatabaseSync,
    readonly source: string,
    private readonly onClose?: () => void,
  ) {
    this.db = db
    // The answered row describes a call that logged several (a missed queue attempt, then the answer).
    const best = `ORDER BY disposition <> 'ANSWERED', rowid LIMIT 1`
    this.byFile = db.prepare(`SELECT * FROM calls WHERE recordingfile = ? ${best}`)
    this.byId = db.prepare(`SELECT * FROM calls WHERE bare = ? ${best}`)
    this.byLinked = db.prepare(`SELECT * FROM calls WHERE linkedbare = ? ${best}`)
  }

  meta(key: string): string | undefined {
    try {
      const row = this.db.prepare('SELECT value FROM meta WHERE key = ?').get(key) as {value: string} | undefined
      return row?.value
    } catch {
      return undefined // not an index file (or a damaged one): rebuilt
    }
  }

  findByFile(name: string): CdrCall | undefined {
    return this.toCall(this.byFile.get(name) as IndexRow | undefined)
  }

  findById(bare: string): CdrCall | undefined {
    return this.toCall(this.byId.get(bare) as IndexRow | undefined)
  }

  findByLinkedId(bare: string): CdrCall | undefined {
    return this.toCall(this.byLinked.get(bare) as IndexRow | undefined)
  }

  /** Every call, or only those the CDR marks recorded; streamed from disk. */
  *calls(which: 'all' | 'recorded' = 'all'): Generator<CdrCall> {
    const where = which === 'recorded' ? 'WHERE recorded = 1' : ''
    for (const row of this.db.prepare(`SELECT * FROM calls ${where} ORDER BY rowid`).iterate()) yield this.toCall(row as IndexRow)!
  }

  /** Answered calls with an agent, only the columns a per-agent count needs (millions of rows: no full objects). */
  *answeredByAgent(): Generator<AgentCall> {
    const select = `SELECT agent, start, recorded, uniqueid FROM calls WHERE disposition = 'ANSWERED' AND agent IS NOT NULL ORDER BY rowid`
    for (const row of this.db.prepare(select).iterate()) {
      const {agent, start, recorded, uniqueid} = row as {agent: string; start: string; recorded: number | null; uniqueid: string}
      yield {source: this.source, agent, start, recorded: recorded === 1, uniqueId: uniqueid}
    }
  }

  *problems(): Generator<CdrProblem> {
    for (const row of this.db.prepare('SELECT ref, message FROM problems ORDER BY line, rowid').iterate()) {
      const {ref, message} = row as {ref: string; message: string}
      yield {ref, message}
    }
  }

  close(): void {
    if (!this.db.isOpen) return
    this.db.close()
    this.onClose?.()
  }

  private toCall(row: IndexRow | undefined): CdrCall | undefined {
    if (!row) return undefined
    const text = (value: string | number | null) => (value === null ? undefined : String(value))
    return {
      source: this.source,
      ref: String(row.ref),
      uniqueId: String(row.uniqueid),
      linkedId: text(row.linkedid),
      start: String(row.start),
      answer: text(row.answer),
      end: text(row.end_),
      src: String(row.src),
      dst: String(row.dst),
      callerName: text(row.callername),
      channel: String(row.channel),
      dstChannel: String(row.dstchannel),
      dcontext: text(row.dcontext),
      disposition: String(row.disposition),
      durationSec: Number(row.duration),
      billSec: Number(row.billsec),
      accountCode: text(row.accountcode),
      userField: text(row.userfield),
      agent: text(row.agent),
      recorded: row.recorded === null ? undefined : row.recorded === 1,
      recordingFile: text(row.recordingfile),
    }
  }
}
