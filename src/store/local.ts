import {createReadStream, type Dirent} from 'node:fs'
import {close, closeSync, constants, fchmod, fstat, fstatSync, fsync, futimes, lstatSync, open as openFd, openSync, read, readSync, unlink as unlinkPath, writev} from 'node:fs'
import {lstat, open, readdir, realpath, stat} from 'node:fs/promises'
import path from 'node:path'
import type {Readable} from 'node:stream'
import {promisify} from 'node:util'
import {POLICY_FILE} from '../policy/load.js'
import {checkKey, keyPartToName, nameToKeyPart} from './keys.js'
import {identityOf, PinnedFolder} from './pinned.js'
import {isTempName, tempName, trackTemp, writerGone} from './temp.js'
import type {OpenEntry, Store, StoreFolder, WriteOptions} from './types.js'
import {detail} from '../details.js'

const SEP = Buffer.from('/')

// The audit opens every file of the archive: these fd calls cost about half of FileHandle's each. Where a file is
// only read, the calls that may wait for the disk (open, read) are made in place while the page cache serves them,
// through libuv's thread pool otherwise (`inPlace` below); the fstat of an open fd (its inode is in memory) and the close of a read-only fd never
// do, and cost ~1 µs in place.
const fds = {open: promisify(openFd), fstat: promisify(fstat), read: promisify(read), close: promisify(close)}
const fdOps = {fsync: promisify(fsync), fchmod: promisify(fchmod), futimes: promisify(futimes), unlink: promisify(unlinkPath), writev: promisify(writev)}

/**
 * Opens and small reads (a header, a sidecar) made in place while they are fast, i.e. served from the page cache:
 * ~5 µs each against ~30 µs of main-thread time through the pool (the audit makes four per recording). The open is
 * non-blocking, so a FIFO put in a recording's place cannot hang the run (its fstat then refuses it). One that
 * takes longer than SLOW_MS means the disk (or a network filesystem) is being waited for: the next SLOW_SPELL calls
 * go through the pool again, where many wait at once and the event loop (timeouts, locks) keeps turning.
 */
const SMALL_READ = 64 * 1024
const SLOW_MS = 1
const SLOW_SPELL = 2000
const inPlace = {
  pooled: 0,
  ok(): boolean {
    if (this.pooled === 0) return true
    this.pooled--
    return false
  },
  time<T>(call: () => T): T {
    const start = performance.now()
    try {
      return call()
    } finally {
      if (performance.now() - start > SLOW_MS) this.pooled = SLOW_SPELL
    }
  },
}

/** Folders listed ahead of the one being yielded. */
const READ_AHEAD = 4

interface PendingFolder {
  dir: Buffer
  prefix: string
  /** Its listing, once asked for; settled, so that a folder read ahead and never reached is no unhandled rejection. */
  entries?: Promise<{value: Dirent<Buffer>[]} | {error: unknown}>
}

function listFolder(dir: Buffer): NonNullable<PendingFolder['entries']> {
  return readdir(dir, {withFileTypes: true, encoding: 'buffer'}).then(
    (value) => ({value}),
    (error: unknown) => ({error}),
  )
}

/** A key's folder (`''` for the root) and its file name as bytes. */
function splitKey(key: string): {folder: string; name: Buffer} {
  const parts = checkKey(key)
  return {folder: parts.slice(0, -1).join('/'), name: keyPartToName(parts.at(-1)!)}
}

/** A folder on a local filesystem. Symlinks are never followed; hidden entries (`.name`) are not listed. */
export class LocalStore implements Store {
  private readonly rootBytes: Buffer
  private rootIdentity?: Promise<string>

  constructor(readonly location: string) {
    this.rootBytes = Buffer.from(location)
  }

  private async readAt(fd: number, position: number, length: number): Promise<Buffer> {
    const bytes = Buffer.allocUnsafe(length)
    if (length === 0) return bytes
    const bytesRead = length <= SMALL_READ && inPlace.ok() ? inPlace.time(() => readSync(fd, bytes, 0, length, position)) : (await fds.read(fd, bytes, 0, length, position)).bytesRead
    return bytes.subarray(0, bytesRead)
  }

  localPath(key: string): string | Buffer {
    const parts = checkKey(key)
    if (!key.includes('\\x')) return this.location + '/' + key
    return Buffer.concat([this.rootBytes, ...parts.flatMap((part) => [SEP, keyPartToName(part)])])
  }

  async *list(): AsyncIterable<StoreFolder> {
    const pending: PendingFolder[] = [{dir: this.rootBytes, prefix: ''}]
    while (pending.length > 0) {
      // The next folders are read while this one is worked on: a re-audit answers a folder from its cache faster
      // than the thread pool lists the next one.
      for (const next of pending.slice(-READ_AHEAD)) next.entries ??= listFolder(next.dir)
      const {dir, prefix, entries: listed} = pending.pop()!
      const folder: StoreFolder = {keys: [], refused: []}
      const listing = await listed!
      if ('error' in listing) {
        folder.refused.push({key: prefix || '.', reason: detail('cannotList', {code: String((listing.error as NodeJS.ErrnoException).code)}), failed: true})
        yield folder
        continue
      }
      const entries = listing.value
      // Another archive below this one (its own callrec.yml): its policy, holds and journal are its own.
      // A symlinked policy counts too: when in doubt, the folder is not ours to act on.
      if (prefix !== '' && entries.some((entry) => !entry.isDirectory() && entry.name.toString('latin1').toLowerCase() === POLICY_FILE)) {
        yield {keys: [], refused: [], nested: [prefix.slice(0, -1)]}
        continue
      }
      const subfolders: PendingFolder[] = []
      for (const entry of entries) {
        if (entry.name[0] === 0x2e) continue // hidden: .callrec/, temp files, .git
        const key = prefix + nameToKeyPart(entry.name)
        if (entry.isFile()) folder.keys.push(key)
        else if (entry.isDirectory()) subfolders.push({dir: Buffer.concat([dir, SEP, entry.name]), prefix: key + '/'})
        else if (entry.isSymbolicLink()) {
          const reason = await this.symlinkReason(Buffer.concat([dir, SEP, entry.name]))
          if (reason) folder.refused.push({key, reason})
        }
      }
      folder.keys.sort()
      // Depth-first in name order, so listings are stable from run to run.
      subfolders.sort((a, b) => (a.prefix < b.prefix ? 1 : -1))
      pending.push(...subfolders)
      yield folder
    }
  }

  /** Symlinks are never followed; only those leading out of the root are worth reporting. */
  private async symlinkReason(full: Buffer): Promise<string | undefined> {
    const target = await realpath(full).catch(() => undefined)
    if (target === undefined) return detail('symlinkMissing')
    const inside = target === this.location || target.startsWith(this.location + path.sep)
    return inside ? undefined : detail('symlinkOutside', {target})
  }

  /**
   * The folder `folder` (a key of a folder, `''` for the root), reached through real folders only, never a
   * symlink, and held open: what is done through it lands in that very folder (see pinned.ts).
   */
  async pin(folder: string): Promise<PinnedFolder> {
    this.rootIdentity ??= stat(this.location, {bigint: true}).then(identityOf)
    return PinnedFolder.open(this.location, folder === '' ? [] : checkKey(folder).map(keyPartToName), await this.rootIdentity)
  }

  /**
   * `pinned`: opened through its pinned folder, never through a symlink (ChangedError), with its device/inode
   * as `identity`, for acts that must not be redirected out of the root (encrypt). Otherwise a plain open (the audit).
   */
  async open(key: string, options: {pinned?: boolean} = {}): Promise<OpenEntry | undefined> {
    let fd: number
    try {
      fd = options.pinned ? await this.openPinned(key) : inPlace.ok() ? inPlace.time(() => openSync(this.localPath(key), constants.O_RDONLY | constants.O_NONBLOCK)) : await fds.open(this.localPath(key), 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    let info
    try {
      info = fstatSync(fd)
    } catch (error) {
      closeSync(fd)
      throw error
    }
    if (!info.isFile()) {
      closeSync(fd)
      throw Object.assign(new Error(`${key}: not a plain file`), {code: 'EISDIR'})
    }
    const size = info.size
    return {
      size,
      modifiedAt: info.mtime,
      identity: identityOf(info),
      read: (position, length) => this.readAt(fd, position, Math.max(0, Math.min(length, size - position))),
      close: async () => closeSync(fd),
    }
  }

  /**
   * Synchronous on purpose: a stat of an inode in the cache takes ~2 µs on the main thread against ~15 µs through
   * libuv's pool, and the re-audit of an unchanged archive is a stat per file. ctime and inode catch a file
   * rewritten with its old mtime and size put back, or replaced by another.
   */
  fingerprint(key: string): string | undefined {
    const info = lstatSync(this.localPath(key), {throwIfNoEntry: false})
    return info?.isFile() ? `${info.size}:${info.mtimeMs}:${info.ctimeMs}:${info.ino}` : undefined
  }

  private async openPinned(key: string): Promise<number> {
    const {folder, name} = splitKey(key)
    const pinned = await this.pin(folder)
    try {
      return await pinned.openEntry(name)
    } finally {
      await pinned.close()
    }
  }

  /** Whole small files (sidecars, CDR indexes): open, read, close, with no stat when the first read says it all. */
  async readFile(key: string): Promise<Buffer> {
    const fd = await fds.open(this.localPath(key), 'r')
    try {
      const chunks: Buffer[] = []
      for (let position = 0; ; ) {
        const chunk = await this.readAt(fd, position, 64 * 1024)
        chunks.push(chunk)
        position += chunk.length
        if (chunk.length < 64 * 1024) return chunks.length === 1 ? chunk : Buffer.concat(chunks)
      }
    } finally {
      closeSync(fd)
    }
  }

  createReadStream(key: string): Readable {
    return createReadStream(this.localPath(key))
  }

  /**
   * Temp file (mode `options.mode`, default 0640), fsync, rename, fsync of the folder, all in the pinned folder:
   * a folder swapped for a symlink meanwhile cannot send the data elsewhere. The temp file is removed on failure
   * and on SIGINT/SIGTERM (temp.ts).
   */
  async writeAtomic(key: string, data: Readable | AsyncIterable<Uint8Array> | Uint8Array, options: WriteOptions = {}): Promise<void> {
    const {folder, name} = splitKey(key)
    const pinned = await this.pin(folder)
    const temp = Buffer.from(tempName())
    const untrack = trackTemp(pinned.path(temp))
    let fd: number | undefined
    try {
      fd = await pinned.openEntry(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, options.mode ?? 0o640)
      await writeAll(fd, data instanceof Uint8Array ? [data] : data)
      if (options.modifiedAt) await fdOps.futimes(fd, options.modifiedAt, options.modifiedAt)
      await fdOps.fsync(fd)
      await fds.close(fd)
      fd = undefined
      await options.beforeCommit?.()
      if (options.exclusive) {
        // link fails, atomically, when the name exists: never a file replaced that appeared meanwhile.
        await pinned.link(temp, name).catch((error: NodeJS.ErrnoException) => {
          throw error.code === 'EEXIST' ? Object.assign(new Error(`${key}: already exists`), {code: 'EEXIST'}) : error
        })
        await fdOps.unlink(pinned.path(temp))
      } else await pinned.rename(temp, name)
      untrack()
      await pinned.sync()
    } catch (error) {
      if (fd !== undefined) await fds.close(fd).catch(() => {})
      await fdOps.unlink(pinned.path(temp)).catch(() => {})
      throw error
    } finally {
      untrack()
      await pinned.close()
    }
  }

  /** Removes `key` through its pinned folder; with `expect` (an OpenEntry's identity), only if it is still that file. */
  async remove(key: string, expect?: string): Promise<boolean> {
    const {folder, name} = splitKey(key)
    let pinned
    try {
      pinned = await this.pin(folder)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
    try {
      return await pinned.unlink(name, expect)
    } finally {
      await pinned.close()
    }
  }

  /**
   * Removes the temp files whose writer is gone (killed, crashed) in `folder` and, `deep`, below it (hidden
   * folders aside); returns their keys. Temp files of a live writer, or of another host, stay.
   */
  async sweepTemps(folder = '', deep = true): Promise<string[]> {
    const swept: string[] = []
    const walk = async (pinned: PinnedFolder, prefix: string) => {
      for (const entry of await pinned.entries()) {
        const text = nameToKeyPart(entry.name)
        if (entry.isFile() && isTempName(text) && writerGone(text)) {
          if (await pinned.unlink(entry.name).catch(() => false)) swept.push(prefix + text)
        } else if (deep && entry.isDirectory() && entry.name[0] !== 0x2e) {
          const child = await pinned.child(entry.name).catch(() => undefined)
          if (!child) continue
          try {
            await walk(child, `${prefix}${text}/`)
          } finally {
            await child.close()
          }
        }
      }
    }
    const root = await this.pin(folder)
    try {
      await walk(root, folder === '' ? '' : folder + '/')
    } finally {
      await root.close()
    }
    return swept
  }

  async exists(key: string): Promise<boolean> {
    return lstat(this.localPath(key)).then(
      (info) => info.isFile(),
      () => false,
    )
  }
}

/** Bytes gathered per write: a sealed age chunk is 64 KiB and its tag 16 bytes; one syscall for many. */
const WRITE_BATCH = 1 << 20
const IOV_MAX = 1024

/**
 * Writes `data` to `fd` in order: its pieces gathered into writev calls of about WRITE_BATCH bytes, not copied,
 * the next batch gathered while the last one is written.
 */
async function writeAll(fd: number, data: AsyncIterable<Uint8Array | string> | Iterable<Uint8Array>): Promise<void> {
  let batch: Uint8Array[] = []
  let size = 0
  let writing: Promise<void> = Promise.resolve()
  const send = async () => {
    await writing
    const sending = writeFully(fd, batch, size)
    sending.catch(() => {}) // awaited below; a failure meanwhile must not count as unhandled
    writing = sending
    batch = []
    size = 0
  }
  for await (const piece of data) {
    const bytes = typeof piece === 'string' ? Buffer.from(piece) : piece
    if (bytes.length === 0) continue
    batch.push(bytes)
    size += bytes.length
    if (size >= WRITE_BATCH || batch.length >= IOV_MAX) await send()
  }
  if (batch.length > 0) await send()
  await writing
}

async function writeFully(fd: number, pieces: Uint8Array[], size: number): Promise<void> {
  for (let left = size; left > 0; ) {
    const {bytesWritten: written} = await fdOps.writev(fd, pieces as NodeJS.ArrayBufferView[])
    left -= written
    if (left === 0) return
    // A short write (rare on a local file): drop what was written, go on with the rest.
    let skip = written
    while (skip >= pieces[0].length) skip -= pieces.shift()!.length
    pieces[0] = pieces[0].subarray(skip)
  }
}

/** Makes a rename or unlink durable: the folder's entry is on disk once this returns. */
export async function syncFolder(folder: string | Buffer): Promise<void> {
  const handle = await open(folder, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
