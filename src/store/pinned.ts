// Acting on an archive folder that cannot be swapped under us (Linux). Node has no openat/unlinkat, and no
// maintained binding offers them (fs-ext and fs-native-extensions do not), so they are emulated: the root is
// opened as a folder, then each component through `/proc/self/fd/<parent>/<name>` with O_DIRECTORY|O_NOFOLLOW.
// The /proc link resolves to the inode the parent descriptor holds, whatever its path has become since, and
// O_NOFOLLOW refuses a symlink as the last component: a folder opened this way was reached through real
// folders only. Its entries are then read, unlinked and renamed through `/proc/self/fd/<folder>/<name>`,
// which is unlinkat(folder, name): the act lands in that very folder even if its path was swapped meanwhile.
// What is left (docs/safety.md): an entry swapped inside the pinned folder between the check of its
// device/inode and the unlink; only an entry of that folder can be hit, and unlink never follows a symlink.
import {close, constants, existsSync, fstat, fsync, link, lstat, open, readdir, rename, rmdir, unlink, type BigIntStats, type Dirent} from 'node:fs'
import {promisify} from 'node:util'

const {O_RDONLY, O_DIRECTORY, O_NOFOLLOW} = constants
const FOLDER_FLAGS = O_RDONLY | O_DIRECTORY | O_NOFOLLOW

const fs = {
  open: promisify(open),
  close: promisify(close),
  fstat: promisify(fstat) as (fd: number, options: {bigint: true}) => Promise<BigIntStats>,
  lstat: promisify(lstat) as (path: Buffer, options: {bigint: true}) => Promise<BigIntStats>,
  fsync: promisify(fsync),
  unlink: promisify(unlink),
  rename: promisify(rename),
  link: promisify(link),
  rmdir: promisify(rmdir),
  readdir: promisify(readdir) as unknown as (path: Buffer, options: {withFileTypes: true; encoding: 'buffer'}) => Promise<Dirent<Buffer>[]>,
}

/** Something on the way changed since it was checked (a symlink, another folder, another file): nothing was done. */
export class ChangedError extends Error {
  readonly code = 'ECHANGED'
}

/**
 * A file's or folder's device and inode, `dev:ino`: the same name may hold another file, the same identity may
 * not. From plain or bigint stats alike (an inode number past 2^53 would then differ: refused, never mistaken).
 */
export const identityOf = (info: {dev: bigint | number; ino: bigint | number}) => `${info.dev}:${info.ino}`

let procChecked = false
function needProc(): void {
  if (procChecked) return
  if (!existsSync('/proc/self/fd')) throw new Error('/proc/self/fd is missing: callrec changes archives only where /proc is mounted (Linux)')
  procChecked = true
}

const fdPath = (fd: number, name?: Buffer) => (name ? Buffer.concat([Buffer.from(`/proc/self/fd/${fd}/`), name]) : Buffer.from(`/proc/self/fd/${fd}`))

/** Maps the errors of a no-follow open to what they mean here. */
function pinError(error: NodeJS.ErrnoException, what: string): Error {
  if (error.code === 'ELOOP' || error.code === 'ENOTDIR') return new ChangedError(`${what} is now a symlink or not a folder: not followed`)
  return error
}

/** One folder of the archive, held open; every act on its entries goes through this descriptor. */
export class PinnedFolder {
  private constructor(
    readonly fd: number,
    /** Device and inode of the folder. */
    readonly identity: string,
  ) {}

  /**
   * Opens `root` (as given: the archive's root is the user's choice), then each of `parts` with no symlink
   * followed. `rootIdentity`, when known, must match: the root itself was not replaced. ENOENT when a part is gone.
   */
  static async open(root: string | Buffer, parts: Buffer[], rootIdentity?: string): Promise<PinnedFolder> {
    needProc()
    let fd = await fs.open(root, O_RDONLY | O_DIRECTORY)
    try {
      if (rootIdentity !== undefined && identityOf(await fs.fstat(fd, {bigint: true})) !== rootIdentity) throw new ChangedError(`the archive root ${root} was replaced`)
      for (const [index, part] of parts.entries()) {
        let next: number
        try {
          next = await fs.open(fdPath(fd, part), FOLDER_FLAGS)
        } catch (error) {
          throw pinError(error as NodeJS.ErrnoException, `folder ${Buffer.concat(parts.slice(0, index + 1).flatMap((p, i) => (i ? [Buffer.from('/'), p] : [p]))).toString()}`)
        }
        await fs.close(fd)
        fd = next
      }
      return new PinnedFolder(fd, identityOf(await fs.fstat(fd, {bigint: true})))
    } catch (error) {
      await fs.close(fd).catch(() => {})
      throw error
    }
  }

  /** A subfolder, pinned the same way (no symlink followed). */
  async child(name: Buffer): Promise<PinnedFolder> {
    let fd: number
    try {
      fd = await fs.open(this.path(name), FOLDER_FLAGS)
    } catch (error) {
      throw pinError(error as NodeJS.ErrnoException, `folder ${name.toString()}`)
    }
    try {
      return new PinnedFolder(fd, identityOf(await fs.fstat(fd, {bigint: true})))
    } catch (error) {
      await fs.close(fd)
      throw error
    }
  }

  /** The folder's entries, raw names kept (not every name is UTF-8). */
  entries(): Promise<Dirent<Buffer>[]> {
    return fs.readdir(fdPath(this.fd), {withFileTypes: true, encoding: 'buffer'})
  }

  /** A path to `name` in this folder that stays in this folder whatever happens to its own path. */
  path(name: Buffer): Buffer {
    return fdPath(this.fd, name)
  }

  /** Opens an entry without following a symlink: ChangedError when it is one. */
  async openEntry(name: Buffer, flags = O_RDONLY, mode?: number): Promise<number> {
    try {
      return await fs.open(this.path(name), flags | O_NOFOLLOW, mode)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ELOOP') throw new ChangedError(`${name.toString()} is now a symlink: not followed`)
      throw error
    }
  }

  /** The entry's own status (a symlink is not followed); undefined when it is gone. */
  async lstat(name: Buffer): Promise<BigIntStats | undefined> {
    return fs.lstat(this.path(name), {bigint: true}).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined
      throw error
    })
  }

  /**
   * Unlinks a plain file of this folder; with `expect`, only if it still is that file (device and inode).
   * False when it was already gone; ChangedError when something else is there now.
   */
  async unlink(name: Buffer, expect?: string): Promise<boolean> {
    const info = await this.lstat(name)
    if (!info) return false
    if (!info.isFile()) throw new ChangedError(`${name.toString()} is no longer a plain file: not deleted`)
    if (expect !== undefined && identityOf(info) !== expect) throw new ChangedError(`${name.toString()} is another file than the one checked (device/inode changed): not deleted`)
    try {
      await fs.unlink(this.path(name))
      return true
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false
      throw error
    }
  }

  /** Removes an empty subfolder, only if it is still the folder `expect` names; false when not empty or not that folder. */
  async rmdir(name: Buffer, expect: string): Promise<boolean> {
    const info = await this.lstat(name)
    if (!info?.isDirectory() || identityOf(info) !== expect) return false
    try {
      await fs.rmdir(this.path(name))
      return true
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOENT' || code === 'EBUSY') return false
      throw error
    }
  }

  /** Renames an entry of this folder to another name in it (rename never follows a symlink). */
  rename(from: Buffer, to: Buffer): Promise<void> {
    return fs.rename(this.path(from), this.path(to))
  }

  /** Gives the file `from` a second name `to` in this folder; EEXIST, atomically, when `to` exists. */
  link(from: Buffer, to: Buffer): Promise<void> {
    return fs.link(this.path(from), this.path(to))
  }

  /** Makes the folder's entries (unlinks, renames) durable. */
  sync(): Promise<void> {
    return fs.fsync(this.fd)
  }

  close(): Promise<void> {
    return fs.close(this.fd)
  }
}

/** Runs `fn` with the folder pinned, and closes it. */
export async function withPinned<T>(root: string | Buffer, parts: Buffer[], rootIdentity: string | undefined, fn: (folder: PinnedFolder) => Promise<T>): Promise<T> {
  const folder = await PinnedFolder.open(root, parts, rootIdentity)
  try {
    return await fn(folder)
  } finally {
    await folder.close()
  }
}
