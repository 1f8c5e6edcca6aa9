import {createHash} from 'node:crypto'
import {CallrecError, errorMessage, EXIT} from '../errors.js'
import type {Actor} from './actor.js'
import {GENESIS, canonicalJson, sealEntry} from './canonical.js'
import {namesRecordings, protectEvent, type KeyHmac} from './entry-keys.js'
import {withLock} from './lock.js'
import {LocalStateFile, type StateFile} from './state-file.js'
import type {Journal, JournalEntry, JournalEvent} from './types.js'

/** The last entry of a journal: what the next one chains to, and what an auditor pins (`seq:hash`). */
export interface Head {
  seq: number
  hash: string
  time?: string
}

export const formatHead = (head: Head) => `${head.seq}:${head.hash}`
export const EMPTY_HEAD: Head = {seq: 0, hash: GENESIS}

/** `SEQ:HASH` as purge prints it. */
export function parseHead(text: string, what: string): Head {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(text.trim())
  if (!match) throw new CallrecError(`${what} ${text}: not a journal head (SEQ:HASH, e.g. 42:3f…, as purge prints it)`)
  return {seq: Number(match[1]), hash: match[2]}
}

/** Thrown when the journal cannot take an entry: the act it would have recorded must not happen. */
export class JournalWriteError extends CallrecError {
  constructor(
    message: string,
    /** The last entry known durable: how far the journal got. */
    readonly lastDurable: Head | undefined,
  ) {
    super(message, EXIT.partial)
  }
}

/** A journal whose last line is not an entry (an append cut short, or garbage): nothing is appended until `access-log repair`. */
export class JournalDamagedError extends CallrecError {}

/** Bytes after the last complete entry: a torn append or a line that is not an entry. */
export interface Damage {
  /** Where the damaged bytes start (the end of the last good line). */
  offset: number
  bytes: number
  why: string
}

interface Tail {
  size: number
  last?: Head
  damage?: Damage
}

/**
 * An append-only JSON-lines file, one entry a line in canonical form, each chained to the one before by its
 * hash and carrying the previous entry's time (`prevTime`: what makes a forged prune checkpoint show, see
 * verify.ts). An append is durable before it returns: every byte written, fsynced, then the head file
 * (`FILE.head`: the last seq and hash) replaced and fsynced, so that cutting entries off the end, emptying or
 * deleting the journal shows against it. Appends take the journal's lock; concurrent appends of one process
 * are written together (one write, one fsync). After a failed write the journal refuses every later append
 * of the process: a run stops before its next act. A damaged tail is never cut off silently: appends
 * refuse until `access-log repair`.
 */
export class FileJournal implements Journal {
  readonly state: StateFile
  readonly headFile: StateFile
  private pending: {build(head: Head): JournalEvent[]; resolve(entries: JournalEntry[]): void; reject(error: unknown): void}[] = []
  private flushing = false
  private failure?: Error
  /** Runs a critical section holding the journal's lock (a lock file beside a local journal; a lock object on S3). */
  private readonly lock: JournalLock
  /**
   * The archive's key HMAC (entry-keys.ts): set by openJournal, so entries store keys masked beside their HMAC;
   * unset, events are stored as given. Asked for at the first append that has keys (it may create the HMAC key).
   */
  keyHmacSource?: () => Promise<KeyHmac>
  private keyHmacs?: Promise<KeyHmac>

  constructor(
    readonly file: string,
    readonly actor: Actor,
    state?: {journal: StateFile; head: StateFile; lock?: JournalLock},
  ) {
    this.state = state?.journal ?? new LocalStateFile(file)
    this.headFile = state?.head ?? new LocalStateFile(headFileOf(file))
    this.lock = state?.lock ?? ((fn) => withLock(file, fn))
  }

  async append(event: JournalEvent): Promise<void> {
    await this.appendAll([event])
  }

  /** Appends events as consecutive entries, durable when this returns; returns them as stored. */
  appendAll(events: JournalEvent[]): Promise<JournalEntry[]> {
    return this.appendWith(() => events)
  }

  /** Appends the events `build` makes from the head they will follow (a signed checkpoint names it). */
  appendWith(build: (head: Head) => JournalEvent[]): Promise<JournalEntry[]> {
    if (this.failure) return Promise.reject(this.failure)
    return new Promise((resolve, reject) => {
      this.pending.push({build, resolve, reject})
      if (!this.flushing) void this.flush()
    })
  }

  /** The HMAC that entries store beside keys; undefined for a journal that stores keys as given. */
  keyHmac(): Promise<KeyHmac | undefined> {
    if (!this.keyHmacSource) return Promise.resolve(undefined)
    this.keyHmacs ??= this.keyHmacSource()
    return this.keyHmacs
  }

  /** Group commit: what queued up while one write was on its way goes in the next. */
  private async flush(): Promise<void> {
    this.flushing = true
    while (this.pending.length > 0) {
      const group = this.pending.splice(0)
      try {
        if (this.failure) throw this.failure
        const made = await this.lock(() => this.write(group.map((item) => item.build)))
        group.forEach((item, index) => item.resolve(made[index]))
      } catch (caught) {
        // The lock too lives beside the journal: a volume that takes no lock takes no entry.
        const error = caught instanceof CallrecError ? caught : new JournalWriteError(`${this.file}: journal not writable (${errorMessage(caught)}); nothing more was done`, undefined)
        if (!(error instanceof JournalDamagedError)) this.failure ??= error
        for (const item of group) item.reject(error)
      }
    }
    this.flushing = false
  }

  /** One write and one fsync for the entries of every builder, each chained after the one before. */
  private async write(builds: ((head: Head) => JournalEvent[])[]): Promise<JournalEntry[][]> {
    const tail = await this.checkedTail()
    let head = tail.last ?? EMPTY_HEAD
    const made: JournalEntry[][] = []
    const lines: string[] = []
    for (const build of builds) {
      const events = build(head)
      const hmac = events.some(namesRecordings) ? await this.keyHmac() : undefined
      const sealed = chain(hmac ? events.map((event) => protectEvent(event, hmac)) : events, head, this.actor)
      const entries = sealed.map(({entry}) => entry)
      head = entries.at(-1) ?? head
      made.push(entries)
      for (const {line} of sealed) lines.push(line + '\n')
    }
    if (lines.length === 0) return made
    const last = made.flat().at(-1)!
    try {
      await this.state.append(Buffer.from(lines.join('')), tail.size)
    } catch (error) {
      throw new JournalWriteError(`${this.file}: journal write failed (${errorMessage(error)}); nothing after entry #${tail.last?.seq ?? 0} was done`, tail.last)
    }
    try {
      await this.writeHead(last)
    } catch (error) {
      throw new JournalWriteError(`${this.file}: head file not updated (${errorMessage(error)}); entries to #${last.seq} are written but not acted on`, last)
    }
    return made
  }

  private writeHead(head: Head): Promise<void> {
    return this.headFile.replace(Buffer.from(canonicalJson({seq: head.seq, hash: head.hash, time: head.time}) + '\n'))
  }

  /** The tail, refused when damaged. */
  private async checkedTail(): Promise<Tail> {
    const tail = await tailOf(this.state)
    if (tail.damage) throw damagedError(this.file, tail.damage)
    return tail
  }

  /** The last entry now, or the empty head of a journal with none; refused when the journal is damaged. */
  head(): Promise<Head> {
    return this.lock(async () => (await this.checkedTail()).last ?? EMPTY_HEAD).catch((error: unknown) => {
      throw error instanceof CallrecError ? error : new JournalWriteError(`${this.file}: journal not usable (${errorMessage(error)}); nothing was done`, undefined)
    })
  }

  /** What follows the last entry when the journal is damaged (read without the lock: for reports). */
  async damage(): Promise<Damage | undefined> {
    return (await tailOf(this.state)).damage
  }

  /** The head file's content; undefined when there is none. */
  async recordedHead(): Promise<Head | undefined> {
    const text = await this.headFile.readAll()
    if (text === undefined) return undefined
    try {
      const head = JSON.parse(text.toString('utf8')) as Head
      if (typeof head.seq === 'number' && typeof head.hash === 'string') return head
    } catch {}
    throw new CallrecError(`${this.headFile.name}: not a journal head file`, EXIT.findings)
  }

  /**
   * Removes the entries older than `cutoff` and appends a checkpoint that carries the last removed entry's
   * seq and hash: the first entry kept chains to that hash, so the shorter journal still verifies. The file is
   * rewritten through a temp file and a rename, under the lock; entries kept are copied byte for byte.
   */
  prune(cutoff: Date, event: Omit<JournalEvent, 'action' | 'outcome' | 'keys'>): Promise<{pruned: number; checkpoint?: JournalEntry}> {
    return this.lock(async () => {
      await this.checkedTail()
      let pruned = 0
      let lastPruned: JournalEntry | undefined
      let last: JournalEntry | undefined
      for await (const entry of readEntries(this.state)) {
        if (last === lastPruned && Date.parse(entry.time) < cutoff.getTime()) {
          pruned++
          lastPruned = entry
        }
        last = entry
      }
      if (!lastPruned) return {pruned}
      const through = lastPruned
      const details = {...event.details, pruned, prunedThrough: through.seq, lastPrunedHash: through.hash, lastPrunedTime: through.time, olderThan: cutoff.toISOString()}
      const [{entry: checkpoint, line}] = chain([{...event, action: 'prune', outcome: 'ok', keys: [], details}], last!, this.actor)
      const state = this.state
      async function* kept(): AsyncIterable<Uint8Array> {
        for await (const {text} of state.lines()) if ((JSON.parse(text) as JournalEntry).seq > through.seq) yield Buffer.from(text + '\n')
        yield Buffer.from(line + '\n')
      }
      await this.state.replace(kept())
      await this.writeHead(checkpoint)
      return {pruned, checkpoint}
    })
  }

  /**
   * Moves a damaged tail (a torn append, a last line that is not an entry) into `sideFile` for evidence,
   * cuts the journal back to its last entry and appends a `repair` entry naming what was removed (size,
   * SHA-256, side file). Undefined when the journal is not damaged.
   */
  repair(sideFile: StateFile, event: Omit<JournalEvent, 'action' | 'outcome' | 'keys'>): Promise<{damage: Damage; entry: JournalEntry} | undefined> {
    return this.lock(async () => {
      const tail = await tailOf(this.state)
      if (!tail.damage) return undefined
      const {damage} = tail
      if (damage.offset > 0 && !tail.last) throw new JournalDamagedError(`${this.file}: the two last lines are not journal entries: more than a torn append; nothing repaired (callrec access-log verify lists the problems)`)
      const bytes = await this.state.read(damage.offset, damage.bytes)
      await sideFile.replace(bytes)
      await this.state.truncate(damage.offset)
      const details = {...event.details, offset: damage.offset, bytes: damage.bytes, sha256: createHash('sha256').update(bytes).digest('hex'), why: damage.why, savedTo: sideFile.name}
      const [{entry, line}] = chain([{...event, action: 'repair', outcome: 'ok', keys: [], details}], tail.last ?? EMPTY_HEAD, this.actor)
      await this.state.append(Buffer.from(line + '\n'), damage.offset)
      await this.writeHead(entry)
      return {damage, entry}
    })
  }
}

export type JournalLock = <T>(fn: () => Promise<T>) => Promise<T>

export const headFileOf = (journal: string) => `${journal}.head`

function damagedError(file: string, damage: Damage): JournalDamagedError {
  return new JournalDamagedError(`${file}: damaged at byte ${damage.offset} (${damage.why}); nothing appended: run callrec access-log verify, then callrec access-log repair`)
}

/**
 * Numbers, times, attributes and hashes events as entries following `last`. Times never go back: a clock
 * stepped back gives the previous entry's time, so the journal's times are in order and a checkpoint's
 * claims about them can be checked.
 */
function chain(events: JournalEvent[], last: Head, actor: Actor): {entry: JournalEntry; line: string}[] {
  let {seq, hash, time: prevTime} = last
  const now = new Date().toISOString()
  const time = prevTime && prevTime > now ? prevTime : now
  return events.map((event) => {
    const entry = {...event, seq: ++seq, time, actor, prev: hash, ...(prevTime ? {prevTime} : {})} as JournalEntry
    const sealed = sealEntry(entry)
    entry.hash = hash = sealed.hash
    prevTime = time
    return {entry, line: sealed.line}
  })
}

/**
 * The last entry and what follows it. A last line without its newline is an append cut short; a last line that
 * is not an entry is garbage: both are damage, left for `verify` to report and `repair` to move aside.
 */
async function tailOf(state: StateFile): Promise<Tail> {
  const size = (await state.size()) ?? 0
  if (size === 0) return {size}
  const lastByte = await state.read(size - 1, 1)
  const end = lastByte[0] === 0x0a ? size : await lineStart(state, size)
  if (end === 0) return {size, damage: {offset: 0, bytes: size, why: 'an append cut short: no complete line'}}
  const start = await lineStart(state, end - 1)
  const text = (await state.read(start, end - start)).toString('utf8')
  const entry = parseEntry(text)
  if (!entry) {
    // The last line is garbage: the damage starts at it (and takes any torn bytes after it).
    const before = start === 0 ? undefined : await lastGood(state, start)
    return {size, ...(before ? {last: before} : {}), damage: {offset: start, bytes: size - start, why: 'the last line is not a journal entry'}}
  }
  const last = {seq: entry.seq, hash: entry.hash, time: entry.time}
  if (end < size) return {size, last, damage: {offset: end, bytes: size - end, why: `an append cut short: ${size - end} bytes without an end of line`}}
  return {size, last}
}

/** The entry on the line ending just before `end`, if it is one. */
async function lastGood(state: StateFile, end: number): Promise<Head | undefined> {
  const start = await lineStart(state, end - 1)
  const entry = parseEntry((await state.read(start, end - start)).toString('utf8'))
  return entry && {seq: entry.seq, hash: entry.hash, time: entry.time}
}

function parseEntry(text: string): JournalEntry | undefined {
  try {
    const entry = JSON.parse(text) as JournalEntry
    return typeof entry === 'object' && entry !== null && typeof entry.seq === 'number' && typeof entry.hash === 'string' && typeof entry.time === 'string' ? entry : undefined
  } catch {
    return undefined
  }
}

/** Where the line holding the byte before `end` starts, reading backwards in growing chunks. */
async function lineStart(state: StateFile, end: number): Promise<number> {
  for (let chunk = 64 * 1024; ; chunk *= 4) {
    const start = Math.max(0, end - chunk)
    const buffer = await state.read(start, end - start)
    const newline = buffer.lastIndexOf(0x0a)
    if (newline >= 0) return start + newline + 1
    if (start === 0) return 0
  }
}

export interface JournalLine {
  /** 1-based line number in the file. */
  line: number
  text: string
}

/** The journal's lines as written; nothing when the file does not exist yet. */
export function readLines(file: string | StateFile): AsyncIterable<JournalLine> {
  return (typeof file === 'string' ? new LocalStateFile(file) : file).lines()
}

/**
 * Parsed entries. A line that is not an entry stops the read with its line number: the journal is damaged
 * or was tampered with, and `verify` says which.
 */
export async function* readEntries(file: string | StateFile): AsyncIterable<JournalEntry> {
  const name = typeof file === 'string' ? file : file.name
  for await (const {line, text} of readLines(file)) {
    const entry = parseEntry(text)
    if (!entry) throw new JournalDamagedError(`${name}:${line}: not a journal entry (run callrec access-log verify)`)
    yield entry
  }
}
