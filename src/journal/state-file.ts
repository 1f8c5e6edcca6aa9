import {createReadStream} from 'node:fs'
import {mkdir, open, readFile, truncate as truncatePath} from 'node:fs/promises'
import path from 'node:path'
import {createInterface} from 'node:readline'
import {LocalStore, syncFolder} from '../store/local.js'

/**
 * The bytes of one piece of the archive's own state (the journal, its head file), whatever holds them. The
 * journal's protocol (chain, head, damage, prune) is written against this; a local file is one implementation,
 * and shared state elsewhere (S3) can be another.
 */
export interface StateFile {
  /** For messages: a path or a URL. */
  readonly name: string
  /** Its size in bytes; undefined when it does not exist. */
  size(): Promise<number | undefined>
  /** Up to `length` bytes from `position`. */
  read(position: number, length: number): Promise<Buffer>
  /** The whole content; undefined when it does not exist. */
  readAll(): Promise<Buffer | undefined>
  /**
   * Appends every byte of `bytes` and makes them durable before returning. On any error the file is cut back
   * to `expectedSize` where it can be, so a failed append leaves no partial line; the error is thrown.
   */
  append(bytes: Buffer, expectedSize: number): Promise<void>
  /** Cuts the content to its first `size` bytes, durably. */
  truncate(size: number): Promise<void>
  /** Replaces the whole content at once (temp, fsync, rename): readers see the old or the new, never a mix. */
  replace(content: Uint8Array | AsyncIterable<Uint8Array>): Promise<void>
  /** The lines as written (without their newline), 1-based numbers; nothing when it does not exist. */
  lines(): AsyncIterable<{line: number; text: string}>
  /** Problems of the way it is stored, beyond its bytes (S3: appends that raced), for `access-log verify`. */
  layoutProblems?(): Promise<string[]>
}

const MODE = 0o640

/** A file on a local filesystem. */
export class LocalStateFile implements StateFile {
  constructor(readonly name: string) {}

  private get folder(): string {
    return path.dirname(this.name)
  }

  async size(): Promise<number | undefined> {
    const handle = await open(this.name, 'r').catch(absent)
    if (!handle) return undefined
    try {
      return (await handle.stat()).size
    } finally {
      await handle.close()
    }
  }

  async read(position: number, length: number): Promise<Buffer> {
    const handle = await open(this.name, 'r')
    try {
      const {buffer, bytesRead} = await handle.read(Buffer.alloc(length), 0, length, position)
      return buffer.subarray(0, bytesRead)
    } finally {
      await handle.close()
    }
  }

  readAll(): Promise<Buffer | undefined> {
    return readFile(this.name).catch(absent)
  }

  async append(bytes: Buffer, expectedSize: number): Promise<void> {
    await mkdir(this.folder, {recursive: true, mode: 0o750})
    const handle = await open(this.name, 'a', MODE)
    try {
      // write(2) may write fewer bytes than asked (a disk filling up): go on until every byte is written or
      // the filesystem says why not.
      for (let offset = 0; offset < bytes.length; ) {
        const {bytesWritten} = await handle.write(bytes, offset, bytes.length - offset)
        if (bytesWritten === 0) throw Object.assign(new Error(`${this.name}: no byte written`), {code: 'EIO'})
        offset += bytesWritten
      }
      await handle.sync()
    } catch (error) {
      // Leave no partial entry behind; if even that fails, the torn tail stays for verify to report.
      await handle.truncate(expectedSize).then(() => handle.sync()).catch(() => {})
      throw error
    } finally {
      await handle.close().catch(() => {})
    }
    if (expectedSize === 0) await syncFolder(this.folder)
  }

  async truncate(size: number): Promise<void> {
    await truncatePath(this.name, size)
    const handle = await open(this.name, 'r+')
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  }

  async replace(content: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await mkdir(this.folder, {recursive: true, mode: 0o750})
    await new LocalStore(this.folder).writeAtomic(path.basename(this.name), content, {mode: MODE})
  }

  async *lines(): AsyncIterable<{line: number; text: string}> {
    const input = createReadStream(this.name, {encoding: 'utf8'})
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
}

function absent(error: NodeJS.ErrnoException): undefined {
  if (error.code === 'ENOENT') return undefined
  throw error
}
