import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'
import {createInterface} from 'node:readline'
import {setTimeout as sleep} from 'node:timers/promises'
import {randomBytes} from 'node:crypto'
import {CallrecError, EXIT} from '../errors.js'
import type {Lock} from '../journal/lock.js'
import type {StateFile} from '../journal/state-file.js'
import type {S3Store} from '../store/s3.js'
import {parseHmacKey} from './local.js'
import {bakeryLock, LockedError, writerId} from './s3-lock.js'
import type {ArchiveState, StatePiece} from './types.js'

// The state of an S3 archive, in the bucket (by default `.callrec/` under the archive's prefix), shared by every
// host that works on the archive:
//   journal/gNNNNNN/OFFSET-WRITER.jsonl   the journal, in chunks: one per append (a group of entries)
//   journal/gNNNNNN/COMPLETE              a generation written whole by a prune (generation 0 needs none)
//   journal.head                          the last entry's seq, hash and time (as FILE.head beside a local journal)
//   holds.json, hmac.key                  as in a local `.callrec/`
//   locks/{run,journal,holds,hmac}/…      bakery locks (s3-lock.ts)
// The journal is one byte stream, the chunks of the newest generation in name order, so the local journal's
// protocol (chain, head file, damage, prune, repair: journal/file.ts) runs on it unchanged. A chunk is named by
// the offset it starts at and by its writer (time, host, pid, random): appends run under the journal lock and
// follow one another; no chunk is ever overwritten, so even appends that raced (a lock a server failed to keep)
// both survive, as two chunks at one offset that `access-log verify` reports. Nothing appended is lost.

const CHUNK_NAME = /^(\d{15})-[^/]+\.jsonl$/
/** Chunks larger than this are read by range, not cached whole. */
const CACHE_MAX = 1 << 20
/** AWS answers 409 ConditionalRequestConflict when a conditional write races another write: retried. */
const CONFLICT_RETRIES = 5

/** A PUT, retried on 409 ConditionalRequestConflict; `exclusive` (If-None-Match: *) fails with EEXIST where the key exists. */
export async function putState(store: S3Store, key: string, bytes: Buffer | AsyncIterable<Uint8Array>, exclusive = false): Promise<void> {
  for (let tried = 0; ; tried++) {
    try {
      return await store.writeAtomic(key, bytes instanceof Buffer ? bytes : Readable.from(bytes), {exclusive})
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ConditionalRequestConflict' || tried >= CONFLICT_RETRIES || !(bytes instanceof Buffer)) throw error
      await sleep(50 * 2 ** tried)
    }
  }
}

const absent = (error: NodeJS.ErrnoException): undefined => {
  if (error.code === 'ENOENT') return undefined
  throw error
}

interface Layout {
  generation: number
  chunks: Chunk[]
  /** Keys of older generations, left by a prune that was cut short. */
  older: string[]
}

interface Chunk {
  key: string
  offset: number
  size: number
  /** Where it sits in the byte stream (the sum of the sizes before it: equal to `offset` unless appends raced). */
  start: number
}

/** The journal as chunk objects (see above). */
export class S3JournalFile implements StateFile {
  private readonly cache = new Map<string, Buffer>()
  /** The layout as listed while this process held the journal lock (epoch): nobody else changes it meanwhile. */
  private listed?: {epoch: number; layout: Layout}

  constructor(
    private readonly store: S3Store,
    readonly name: string,
    /** Which hold of the journal lock this process is in; undefined when it does not hold it. */
    private readonly lockEpoch: () => number | undefined = () => undefined,
  ) {}

  /** The newest complete generation and its chunks in order; listed once per hold of the journal lock. */
  private async layout(): Promise<Layout> {
    const epoch = this.lockEpoch()
    if (epoch !== undefined && this.listed?.epoch === epoch) return this.listed.layout
    const layout = await this.list()
    if (epoch !== undefined) this.listed = {epoch, layout}
    return layout
  }

  private async list(): Promise<Layout> {
    const byGeneration = new Map<number, {chunks: Chunk[]; complete: boolean; keys: string[]}>()
    for await (const object of this.store.objects('journal/')) {
      const match = /^journal\/g(\d{6})\/(.+)$/.exec(object.key)
      if (!match) continue
      const generation = Number(match[1])
      const entry = byGeneration.get(generation) ?? {chunks: [], complete: generation === 0, keys: []}
      byGeneration.set(generation, entry)
      entry.keys.push(object.key)
      const chunk = CHUNK_NAME.exec(match[2])
      if (chunk) entry.chunks.push({key: object.key, offset: Number(chunk[1]), size: object.size, start: 0})
      else if (match[2] === 'COMPLETE') entry.complete = true
    }
    const complete = [...byGeneration.entries()].filter(([, entry]) => entry.complete).map(([generation]) => generation)
    const generation = Math.max(0, ...complete)
    const chunks = byGeneration.get(generation)?.chunks ?? []
    let start = 0
    for (const chunk of chunks) {
      chunk.start = start
      start += chunk.size
    }
    const older = [...byGeneration.entries()].filter(([other]) => other < generation).flatMap(([, entry]) => entry.keys)
    return {generation, chunks, older}
  }

  async size(): Promise<number | undefined> {
    const {chunks} = await this.layout()
    return chunks.length === 0 ? undefined : chunks.reduce((sum, chunk) => sum + chunk.size, 0)
  }

  private async content(chunk: Chunk): Promise<Buffer> {
    const cached = this.cache.get(chunk.key)
    if (cached && cached.length === chunk.size) return cached
    const bytes = await this.store.readFile(chunk.key)
    if (bytes.length <= CACHE_MAX) this.cache.set(chunk.key, bytes)
    return bytes
  }

  private async range(chunk: Chunk, position: number, length: number): Promise<Buffer> {
    if (chunk.size <= CACHE_MAX) return (await this.content(chunk)).subarray(position, position + length)
    const entry = await this.store.open(chunk.key)
    if (!entry) throw Object.assign(new Error(`${this.name}: ${chunk.key} vanished while read`), {code: 'ENOENT'})
    try {
      return await entry.read(position, length)
    } finally {
      await entry.close()
    }
  }

  async read(position: number, length: number): Promise<Buffer> {
    const {chunks} = await this.layout()
    const parts: Buffer[] = []
    const end = position + length
    for (const chunk of chunks) {
      const from = Math.max(position, chunk.start)
      const to = Math.min(end, chunk.start + chunk.size)
      if (from < to) parts.push(await this.range(chunk, from - chunk.start, to - from))
    }
    return Buffer.concat(parts)
  }

  async readAll(): Promise<Buffer | undefined> {
    const size = await this.size()
    return size === undefined ? undefined : this.read(0, size)
  }

  /** One new chunk at `expectedSize`, named by its writer: never replaces another's. */
  async append(bytes: Buffer, expectedSize: number): Promise<void> {
    const {generation} = await this.layout()
    const key = `journal/${generationName(generation)}/${String(expectedSize).padStart(15, '0')}-${writerId()}.jsonl`
    await putState(this.store, key, bytes, true)
    this.cache.set(key, bytes)
    if (this.listed?.epoch === this.lockEpoch()) this.listed?.layout.chunks.push({key, offset: expectedSize, size: bytes.length, start: expectedSize})
  }

  /** Chunks after `size` deleted; the one it falls in rewritten shorter (under the journal lock: `access-log repair`). */
  async truncate(size: number): Promise<void> {
    const {chunks} = await this.layout()
    this.listed = undefined
    for (const chunk of chunks) {
      if (chunk.start >= size) await this.store.removeCurrent(chunk.key)
      else if (chunk.start + chunk.size > size) {
        const kept = (await this.content(chunk)).subarray(0, size - chunk.start)
        await putState(this.store, chunk.key, Buffer.from(kept))
        this.cache.delete(chunk.key)
      }
    }
  }

  /**
   * A new generation written whole (one object, then its COMPLETE marker), then the older ones deleted: readers
   * see the old journal or the new, never a mix; a prune killed before the marker leaves the old one in force.
   */
  async replace(content: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    const {generation, older, chunks} = await this.layout()
    this.listed = undefined
    const next = generationName(generation + 1)
    await putState(this.store, `journal/${next}/${'0'.padStart(15, '0')}-${writerId()}.jsonl`, content instanceof Uint8Array ? Buffer.from(content) : content)
    await putState(this.store, `journal/${next}/COMPLETE`, Buffer.from(new Date().toISOString() + '\n'))
    for (const key of [...older, ...chunks.map((chunk) => chunk.key), ...(generation > 0 ? [`journal/${generationName(generation)}/COMPLETE`] : [])]) {
      await this.store.removeCurrent(key)
    }
    this.cache.clear()
  }

  async *lines(): AsyncIterable<{line: number; text: string}> {
    const {chunks} = await this.layout()
    if (chunks.length === 0) return
    // Up to 8 chunks fetched ahead: a journal of many small chunks reads at the server's pace, not one GET at a time.
    const self = this
    const input = Readable.from(
      (async function* () {
        const ahead: Promise<Buffer | Readable>[] = []
        const fetch = (chunk: Chunk) => (chunk.size <= CACHE_MAX ? self.content(chunk) : Promise.resolve(self.store.createReadStream(chunk.key)))
        let next = 0
        while (next < chunks.length || ahead.length > 0) {
          while (ahead.length < 8 && next < chunks.length) ahead.push(fetch(chunks[next++]))
          const part = await ahead.shift()!
          if (part instanceof Buffer) yield part
          else yield* part
        }
      })(),
    )
    let line = 0
    for await (const text of createInterface({input, crlfDelay: Infinity})) {
      line++
      if (text !== '') yield {line, text}
    }
  }

  /** Chunks written at an offset that another chunk already covered: appends that raced. */
  async layoutProblems(): Promise<string[]> {
    const {chunks} = await this.layout()
    return chunks.filter((chunk) => chunk.offset !== chunk.start).map((chunk) => `${this.name}: chunk ${chunk.key} was written at byte ${chunk.offset}, where another chunk already was: two appends at once (a lock the server did not keep); both are kept, in name order`)
  }
}

const generationName = (generation: number) => `g${String(generation).padStart(6, '0')}`

/** One small object (the head file, a side file): replaced whole. */
class S3ObjectFile implements StateFile {
  constructor(
    private readonly store: S3Store,
    private readonly key: string,
    readonly name: string,
  ) {}

  async size(): Promise<number | undefined> {
    return (await this.readAll())?.length
  }

  async read(position: number, length: number): Promise<Buffer> {
    return ((await this.readAll()) ?? Buffer.alloc(0)).subarray(position, position + length)
  }

  readAll(): Promise<Buffer | undefined> {
    return this.store.readFile(this.key).catch(absent)
  }

  async append(bytes: Buffer): Promise<void> {
    await putState(this.store, this.key, Buffer.concat([(await this.readAll()) ?? Buffer.alloc(0), bytes]))
  }

  async truncate(size: number): Promise<void> {
    await putState(this.store, this.key, await this.read(0, size))
  }

  async replace(content: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await putState(this.store, this.key, content instanceof Uint8Array ? Buffer.from(content) : content)
  }

  async *lines(): AsyncIterable<{line: number; text: string}> {
    const text = (await this.readAll())?.toString('utf8')
    if (text === undefined) return
    let line = 0
    for (const part of text.split(/\r?\n/)) {
      line++
      if (part !== '') yield {line, text: part}
    }
  }
}

/** The state of an S3 archive in `store` (a prefix of a bucket), `location` its URL. */
export class S3State implements ArchiveState {
  readonly journalName: string
  readonly holdsName: string
  readonly hmacKeyName: string

  constructor(
    readonly store: S3Store,
    readonly location: string = store.location,
  ) {
    this.journalName = `${location}/journal`
    this.holdsName = `${location}/holds.json`
    this.hmacKeyName = `${location}/hmac.key`
  }

  /** Counts the holds of the journal lock by this process; undefined while it is not held. */
  private journalEpoch = 0
  private journalHeld = false

  journalFiles(): {journal: StateFile; head: StateFile} {
    const epoch = () => (this.journalHeld ? this.journalEpoch : undefined)
    return {journal: new S3JournalFile(this.store, this.journalName, epoch), head: new S3ObjectFile(this.store, 'journal.head', `${this.location}/journal.head`)}
  }

  async hasJournal(): Promise<boolean> {
    for await (const _ of this.store.objects('journal/')) return true
    return this.store.exists('journal.head')
  }

  async withLock<T>(piece: StatePiece, fn: (lock: Lock) => Promise<T>): Promise<T> {
    const lock = await bakeryLock(this.store, `locks/${piece}`, {wait: true})
    const journal = piece === 'journal'
    if (journal) [this.journalEpoch, this.journalHeld] = [this.journalEpoch + 1, true]
    try {
      return await fn(lock)
    } finally {
      if (journal) this.journalHeld = false
      await lock.release()
    }
  }

  async tryRunLock(what: string): Promise<Lock> {
    try {
      return await bakeryLock(this.store, 'locks/run', {wait: false, what})
    } catch (error) {
      if (!(error instanceof LockedError)) throw error
      throw new CallrecError(`${what} is locked by another callrec run (${error.message}): try again when it ends`, EXIT.locked)
    }
  }

  async readHolds(): Promise<{text?: string; version: string}> {
    const bytes = await this.store.readFile('holds.json').catch(absent)
    if (!bytes) return {version: 'none'}
    return {text: bytes.toString('utf8'), version: createHash('sha256').update(bytes).digest('hex')}
  }

  async holdsVersion(): Promise<string> {
    return (await this.readHolds()).version
  }

  async writeHolds(bytes: Buffer): Promise<void> {
    await putState(this.store, 'holds.json', bytes)
  }

  async readHmacKey(): Promise<Buffer | undefined> {
    const bytes = await this.store.readFile('hmac.key').catch(absent)
    return bytes && parseHmacKey(bytes.toString('utf8'), this.hmacKeyName)
  }

  /**
   * Under the hmac lock, and created with If-None-Match: * besides: where the server honours it, even two hosts
   * whose lock failed agree on one key (the second gets 412, and reads the first's).
   */
  createHmacKey(): Promise<Buffer> {
    return this.withLock('hmac', async () => {
      const existing = await this.readHmacKey()
      if (existing) return existing
      const key = randomBytes(32)
      try {
        await putState(this.store, 'hmac.key', Buffer.from(key.toString('hex') + '\n'), true)
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
        return (await this.readHmacKey())!
      }
      return key
    })
  }

  sideFile(name: string): StateFile {
    return new S3ObjectFile(this.store, name, `${this.location}/${name}`)
  }
}
