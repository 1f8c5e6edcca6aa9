import {randomBytes} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {once} from 'node:events'
import {close, fstat, open as openFd, read} from 'node:fs'
import {lstat, open, readdir, realpath, rename, rm, unlink} from 'node:fs/promises'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {promisify} from 'node:util'
import {POLICY_FILE} from '../policy/load.js'
import {checkKey, keyPartToName, nameToKeyPart} from './keys.js'
import type {OpenEntry, Store, StoreFolder} from './types.js'

const SEP = Buffer.from('/')

// The audit opens every file of the archive: these fd calls cost about half of FileHandle's each.
const fds = {open: promisify(openFd), fstat: promisify(fstat), read: promisify(read), close: promisify(close)}

/** A folder on a local filesystem. Symlinks are never followed; hidden entries (`.name`) are not listed. */
export class LocalStore implements Store {
  private readonly rootBytes: Buffer

  constructor(readonly location: string) {
    this.rootBytes = Buffer.from(location)
  }

  private async readAt(fd: number, position: number, length: number): Promise<Buffer> {
    const bytes = Buffer.allocUnsafe(length)
    const {bytesRead} = length > 0 ? await fds.read(fd, bytes, 0, length, position) : {bytesRead: 0}
    return bytes.subarray(0, bytesRead)
  }

  localPath(key: string): string | Buffer {
    const parts = checkKey(key)
    if (!key.includes('\\x')) return this.location + '/' + key
    return Buffer.concat([this.rootBytes, ...parts.flatMap((part) => [SEP, keyPartToName(part)])])
  }

  async *list(): AsyncIterable<StoreFolder> {
    const pending: {dir: Buffer; prefix: string}[] = [{dir: this.rootBytes, prefix: ''}]
    while (pending.length > 0) {
      const {dir, prefix} = pending.pop()!
      const folder: StoreFolder = {keys: [], refused: []}
      let entries
      try {
        entries = await readdir(dir, {withFileTypes: true, encoding: 'buffer'})
      } catch (error) {
        folder.refused.push({key: prefix || '.', reason: `cannot list folder (${(error as NodeJS.ErrnoException).code})`})
        yield folder
        continue
      }
      // Another archive below this one (its own callrec.yml): its policy, holds and journal are its own.
      // A symlinked policy counts too: when in doubt, the folder is not ours to act on.
      if (prefix !== '' && entries.some((entry) => !entry.isDirectory() && entry.name.toString('latin1').toLowerCase() === POLICY_FILE)) {
        yield {keys: [], refused: [], nested: [prefix.slice(0, -1)]}
        continue
      }
      const subfolders: {dir: Buffer; prefix: string}[] = []
      for (const entry of entries) {
        if (entry.name[0] === 0x2e) continue // hidden: .callrec/, temp files, .git
        const key = prefix + nameToKeyPart(entry.name)
        const full = Buffer.concat([dir, SEP, entry.name])
        if (entry.isDirectory()) subfolders.push({dir: full, prefix: key + '/'})
        else if (entry.isFile()) folder.keys.push(key)
        else if (entry.isSymbolicLink()) {
          const reason = await this.symlinkReason(full)
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
    if (target === undefined) return 'symlink to a missing target: not followed'
    const inside = target === this.location || target.startsWith(this.location + path.sep)
    return inside ? undefined : `symlink to ${target}, outside the archive root: not followed`
  }

  async open(key: string): Promise<OpenEntry | undefined> {
    let fd: number
    try {
      fd = await fds.open(this.localPath(key), 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    const info = await fds.fstat(fd).catch(async (error) => {
      await fds.close(fd)
      throw error
    })
    return {
      size: info.size,
      modifiedAt: info.mtime,
      read: (position, length) => this.readAt(fd, position, Math.max(0, Math.min(length, info.size - position))),
      close: () => fds.close(fd),
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
      await fds.close(fd)
    }
  }

  createReadStream(key: string): Readable {
    return createReadStream(this.localPath(key))
  }

  async writeAtomic(key: string, data: Readable | AsyncIterable<Uint8Array> | Uint8Array, options: {mode?: number; exclusive?: boolean} = {}): Promise<void> {
    const target = this.localPath(key)
    const targetBytes = Buffer.from(target)
    const slash = targetBytes.lastIndexOf(SEP)
    const temp = Buffer.concat([targetBytes.subarray(0, slash + 1), Buffer.from(`.callrec-tmp-${process.pid}-${randomBytes(4).toString('hex')}`)])
    try {
      // flush: fsync before close. Waiting for 'open' means the temp file exists before any data flows,
      // so a source that fails at once cannot race its removal below.
      const out = createWriteStream(temp, {flags: 'wx', mode: options.mode ?? 0o640, flush: true})
      await once(out, 'open')
      await pipeline(data instanceof Uint8Array ? Readable.from([data]) : data, out)
      if (options.exclusive && (await lstat(target).then(() => true, () => false))) {
        throw Object.assign(new Error(`${key}: already exists`), {code: 'EEXIST'})
      }
      await rename(temp, target)
      await syncFolder(targetBytes.subarray(0, slash))
    } catch (error) {
      await rm(temp, {force: true})
      throw error
    }
  }

  async remove(key: string): Promise<boolean> {
    try {
      await unlink(this.localPath(key))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  async exists(key: string): Promise<boolean> {
    return lstat(this.localPath(key)).then(
      (info) => info.isFile(),
      () => false,
    )
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
