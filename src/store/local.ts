import {randomBytes} from 'node:crypto'
import {createReadStream, createWriteStream} from 'node:fs'
import {lstat, open, readdir, readFile, realpath, rename, rm, unlink} from 'node:fs/promises'
import path from 'node:path'
import {Readable} from 'node:stream'
import {pipeline} from 'node:stream/promises'
import {checkKey, keyPartToName, nameToKeyPart} from './keys.js'
import type {Store, StoreFolder, StoreHead} from './types.js'

const SEP = Buffer.from('/')

/** A folder on a local filesystem. Symlinks are never followed; hidden entries (`.name`) are not listed. */
export class LocalStore implements Store {
  private readonly rootBytes: Buffer

  constructor(readonly location: string) {
    this.rootBytes = Buffer.from(location)
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

  async head(key: string, length: number): Promise<StoreHead | undefined> {
    let handle
    try {
      handle = await open(this.localPath(key), 'r')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    }
    try {
      const info = await handle.stat()
      const bytes = Buffer.allocUnsafe(Math.min(length, info.size))
      const {bytesRead} = bytes.length > 0 ? await handle.read(bytes, 0, bytes.length, 0) : {bytesRead: 0}
      return {bytes: bytes.subarray(0, bytesRead), size: info.size, modifiedAt: info.mtime}
    } finally {
      await handle.close()
    }
  }

  async readRange(key: string, start: number, length: number): Promise<Buffer> {
    const handle = await open(this.localPath(key), 'r')
    try {
      const bytes = Buffer.allocUnsafe(length)
      const {bytesRead} = await handle.read(bytes, 0, length, start)
      return bytes.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  }

  readFile(key: string): Promise<Buffer> {
    return readFile(this.localPath(key))
  }

  createReadStream(key: string): Readable {
    // 1 MiB reads: with the default 64 KiB, the thread-pool round trip per read halves streaming throughput.
    return createReadStream(this.localPath(key), {highWaterMark: 1 << 20})
  }

  async writeAtomic(key: string, data: Readable | AsyncIterable<Uint8Array> | Uint8Array, options: {mode?: number; exclusive?: boolean} = {}): Promise<void> {
    const target = this.localPath(key)
    const targetBytes = Buffer.from(target)
    const slash = targetBytes.lastIndexOf(SEP)
    const temp = Buffer.concat([targetBytes.subarray(0, slash + 1), Buffer.from(`.callrec-tmp-${process.pid}-${randomBytes(4).toString('hex')}`)])
    try {
      const out = createWriteStream(temp, {flags: 'wx', mode: options.mode ?? 0o640})
      await pipeline(data instanceof Uint8Array ? Readable.from([data]) : data, out)
      const handle = await open(temp, 'r+')
      try {
        await handle.sync()
      } finally {
        await handle.close()
      }
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
