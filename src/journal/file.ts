import {createReadStream} from 'node:fs'
import {mkdir, open, type FileHandle} from 'node:fs/promises'
import path from 'node:path'
import {createInterface} from 'node:readline'
import {CallrecError, EXIT} from '../errors.js'
import {LocalStore, syncFolder} from '../store/local.js'
import type {Actor} from './actor.js'
import {GENESIS, canonicalJson, hashEntry} from './canonical.js'
import {withLock} from './lock.js'
import type {Journal, JournalEntry, JournalEvent} from './types.js'

/**
 * An append-only JSON-lines file, one entry a line in canonical form, each chained to the one before by
 * its hash. Appends take the journal's lock, read the last entry, write, and fsync before returning, so
 * concurrent writers (a purge and a decrypt) neither interleave nor fork the chain.
 */
export class FileJournal implements Journal {
  // Appends of one process go one after the other: the lock is per process, not per call.
  private queue: Promise<unknown> = Promise.resolve()

  constructor(
    readonly file: string,
    readonly actor: Actor,
  ) {}

  async append(event: JournalEvent): Promise<void> {
    await this.appendAll([event])
  }

  /** Appends events as consecutive entries with one write and one fsync; returns them as stored. */
  appendAll(events: JournalEvent[]): Promise<JournalEntry[]> {
    return this.locked(() => this.write(events))
  }

  /** One at a time within this process, under the journal's lock across processes. */
  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(() => withLock(this.file, fn))
    this.queue = next.catch(() => {})
    return next
  }

  private async write(events: JournalEvent[]): Promise<JournalEntry[]> {
    await mkdir(path.dirname(this.file), {recursive: true, mode: 0o750})
    const handle = await open(this.file, 'a+', 0o640)
    try {
      const created = (await handle.stat()).size === 0
      const entries = this.chain(events, (await lastEntry(handle, this.file)) ?? {seq: 0, hash: GENESIS})
      await handle.write(entries.map((entry) => canonicalJson(entry) + '\n').join(''))
      await handle.sync()
      if (created) await syncFolder(path.dirname(this.file))
      return entries
    } finally {
      await handle.close()
    }
  }

  /** Numbers, times, attributes and hashes events as entries following `last`. */
  private chain(events: JournalEvent[], last: {seq: number; hash: string}): JournalEntry[] {
    let {seq, hash} = last
    const time = new Date().toISOString()
    return events.map((event) => {
      const entry = {...event, seq: ++seq, time, actor: this.actor, prev: hash} as JournalEntry
      entry.hash = hash = hashEntry(entry)
      return entry
    })
  }

  /**
   * Removes the entries older than `cutoff` and appends a checkpoint that carries the last removed entry's
   * seq and hash: the first entry kept chains to that hash, so the shorter journal still verifies. The
   * file is rewritten through a temp file and a rename, under the lock; entries kept are copied byte for byte.
   */
  prune(cutoff: Date, event: Omit<JournalEvent, 'action' | 'outcome' | 'keys'>): Promise<{pruned: number; checkpoint?: JournalEntry}> {
    return this.locked(async () => {
      let pruned = 0
      let lastPruned: JournalEntry | undefined
      let last: JournalEntry | undefined
      for await (const entry of readEntries(this.file)) {
        if (last === lastPruned && Date.parse(entry.time) < cutoff.getTime()) {
          pruned++
          lastPruned = entry
        }
        last = entry
      }
      if (!lastPruned) return {pruned}
      const [checkpoint] = this.chain(
        [{...event, action: 'prune', outcome: 'ok', keys: [], details: {...event.details, pruned, prunedThrough: lastPruned.seq, lastPrunedHash: lastPruned.hash, olderThan: cutoff.toISOString()}}],
        last!,
      )
      const file = this.file
      async function* kept(): AsyncIterable<Uint8Array> {
        for await (const {text} of readLines(file)) if ((JSON.parse(text) as JournalEntry).seq > lastPruned!.seq) yield Buffer.from(text + '\n')
        yield Buffer.from(canonicalJson(checkpoint) + '\n')
      }
      await new LocalStore(path.dirname(file)).writeAtomic(path.basename(file), kept(), {mode: 0o640})
      return {pruned, checkpoint}
    })
  }
}

/**
 * The last entry's seq and hash. A last line without its newline is a write cut short by a crash: it was
 * never acknowledged (its fsync had not returned), so it is cut off rather than chained to.
 */
async function lastEntry(handle: FileHandle, file: string): Promise<{seq: number; hash: string} | undefined> {
  const {size} = await handle.stat()
  if (size === 0) return undefined
  let end = size
  const last = await handle.read(Buffer.alloc(1), 0, 1, size - 1)
  if (last.buffer[0] !== 0x0a) {
    end = await lineStart(handle, size)
    await handle.truncate(end)
    await handle.sync()
    if (end === 0) return undefined
  }
  const start = await lineStart(handle, end - 1)
  const {buffer} = await handle.read(Buffer.alloc(end - start), 0, end - start, start)
  try {
    const entry = JSON.parse(buffer.toString('utf8')) as JournalEntry
    if (typeof entry.seq !== 'number' || typeof entry.hash !== 'string') throw new Error('no seq or hash')
    return {seq: entry.seq, hash: entry.hash}
  } catch {
    throw new CallrecError(`${file}: the last line is not a journal entry; nothing appended (callrec access-log verify says more)`, EXIT.partial)
  }
}

/** Where the line holding the byte before `end` starts, reading backwards in growing chunks. */
async function lineStart(handle: FileHandle, end: number): Promise<number> {
  for (let chunk = 64 * 1024; ; chunk *= 4) {
    const start = Math.max(0, end - chunk)
    const {buffer} = await handle.read(Buffer.alloc(end - start), 0, end - start, start)
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
export async function* readLines(file: string): AsyncIterable<JournalLine> {
  const input = createReadStream(file, {encoding: 'utf8'})
  const opened = await new Promise<boolean>((resolve, reject) => {
    input.once('ready', () => resolve(true))
    input.once('error', (error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? resolve(false) : reject(error)))
  })
  if (!opened) return
  let line = 0
  for await (const text of createInterface({input, crlfDelay: Infinity})) {
    line++
    if (text !== '') yield {line, text}
  }
}

/**
 * Parsed entries. A line that is not JSON stops the read with its line number (verify tells what happened),
 * unless it is the last one: an append cut short by a crash, which the next append cuts off.
 */
export async function* readEntries(file: string): AsyncIterable<JournalEntry> {
  let broken: number | undefined
  for await (const {line, text} of readLines(file)) {
    if (broken !== undefined) throw new CallrecError(`${file}:${broken}: not a journal entry (run callrec access-log verify)`, EXIT.partial)
    try {
      yield JSON.parse(text) as JournalEntry
    } catch {
      broken = line
    }
  }
}
