// The acts of a local purge on the file system, each in a folder reached without symlinks and held open
// (store/pinned.ts): hash a file from the descriptor of the very inode that will be deleted, then delete it
// only if its folder and the file are still the ones hashed (device/inode). See docs/safety.md.
import {createHash} from 'node:crypto'
import {close, fstat, read} from 'node:fs'
import {promisify} from 'node:util'
import {checkKey, keyPartToName} from '../store/keys.js'
import type {LocalStore} from '../store/local.js'
import {ChangedError, identityOf, type PinnedFolder} from '../store/pinned.js'
import type {Form} from './select.js'

const fds = {fstat: promisify(fstat), read: promisify(read), close: promisify(close)}

export interface FileFact {
  key: string
  size: number
  sha256: string
  /** Hard links to the content when it was hashed: above 1, unlinking this name does not destroy it. */
  links?: number
}

/** A file as hashed: its facts for the journal, and what it was (file and folder device/inode) for the deletion. */
export interface Hashed extends FileFact {
  identity: string
  folderIdentity: string
}

export type Fingerprint = Hashed | 'gone' | {changed: string}

/** A key's folder key (`''` for the root, else without a trailing `/`) and its name as bytes. */
export function splitKey(key: string): {folder: string; name: Buffer} {
  const parts = checkKey(key)
  return {folder: parts.slice(0, -1).join('/'), name: keyPartToName(parts.at(-1)!)}
}

/** Folders pinned for one phase of a batch, each opened once; close() when the phase ends. */
export class PinnedFolders {
  private readonly open = new Map<string, Promise<PinnedFolder>>()

  constructor(private readonly store: LocalStore) {}

  get(folder: string): Promise<PinnedFolder> {
    let pinned = this.open.get(folder)
    if (!pinned) {
      pinned = this.store.pin(folder)
      pinned.catch(() => {}) // a failed pin is the caller's error, once per folder
      this.open.set(folder, pinned)
    }
    return pinned
  }

  /** fsyncs every folder (unlinks made durable), then closes them. */
  async close(sync = false): Promise<void> {
    for (const pinned of this.open.values()) {
      const folder = await pinned.catch(() => undefined)
      if (!folder) continue
      if (sync) await folder.sync()
      await folder.close()
    }
    this.open.clear()
  }
}

// Pieces of 1 MiB read asynchronously: the event loop keeps turning during a long hash, so the locks stay fresh.
const PIECE = 1 << 20

/**
 * Size, SHA-256 and identity of a form just before its deletion, read through its pinned folder; 'gone' when
 * it vanished; or why it must be kept: a symlink on the way, no longer a plain file, changed since the scan.
 * Other errors (EACCES, EIO) are thrown: a failure of this one recording.
 */
export async function fingerprint(folders: PinnedFolders, form: Form): Promise<Fingerprint> {
  const {folder, name} = splitKey(form.key)
  let fd: number
  let pinned: PinnedFolder
  try {
    pinned = await folders.get(folder)
    fd = await pinned.openEntry(name)
  } catch (error) {
    if (error instanceof ChangedError) return {changed: error.message}
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone'
    throw error
  }
  try {
    const info = await fds.fstat(fd)
    if (!info.isFile()) return {changed: 'no longer a plain file'}
    if (info.size !== form.size || info.mtime.toISOString() !== form.modifiedAt) return {changed: 'changed since the plan (size or modification time)'}
    const hash = createHash('sha256')
    // One byte more than the file holds: a read short of the buffer that reaches its size is its end, with no empty
    // read to confirm it (a file grown since fills the buffer and is read on; a short read before the size is not trusted).
    const buffer = Buffer.allocUnsafe(Math.min(PIECE, info.size + 1))
    let size = 0
    for (let got; (got = (await fds.read(fd, buffer, 0, buffer.length, size)).bytesRead) > 0; ) {
      hash.update(buffer.subarray(0, got))
      size += got
      if (got < buffer.length && size >= info.size) break
    }
    return {key: form.key, size, sha256: hash.digest('hex'), links: info.nlink, identity: identityOf(info), folderIdentity: pinned.identity}
  } finally {
    await fds.close(fd)
  }
}

/**
 * Deletes the hashed files of one recording, then its sidecar, through their folder pinned again now: refused
 * (ChangedError) when that folder is no longer reached without symlinks or is another folder than the one
 * hashed in, or a file is not the one hashed. Returns the keys actually removed.
 */
export async function removeHashed(folders: PinnedFolders, files: Hashed[], sidecar: string | undefined): Promise<string[]> {
  const removed: string[] = []
  for (const file of files) {
    const {folder, name} = splitKey(file.key)
    const pinned = await folders.get(folder)
    if (pinned.identity !== file.folderIdentity) throw new ChangedError(`its folder ${folder || '.'} is another folder than the one it was hashed in: not deleted`)
    if (await pinned.unlink(name, file.identity)) removed.push(file.key)
  }
  if (sidecar) {
    const {folder, name} = splitKey(sidecar)
    if (await (await folders.get(folder)).unlink(name)) removed.push(sidecar)
  }
  return removed
}

/**
 * Removes the folders that this run emptied, from the deepest up, never the root: each through its pinned
 * parent, only if it is still the folder the files were deleted from (device/inode), and only if empty (rmdir
 * refuses otherwise, atomically). Returns the folder keys removed.
 */
export async function removeEmptied(store: LocalStore, emptied: Map<string, string>): Promise<string[]> {
  const removed: string[] = []
  const pending = new Map(emptied)
  while (pending.size > 0) {
    // Deepest first, so that a parent is tried once its children are gone.
    const folder = [...pending.keys()].sort((a, b) => b.split('/').length - a.split('/').length || (a < b ? -1 : 1))[0]
    const identity = pending.get(folder)!
    pending.delete(folder)
    if (folder === '') continue
    const {folder: parentKey, name} = splitKey(folder)
    const parent = await store.pin(parentKey).catch(() => undefined)
    if (!parent) continue
    try {
      if (!(await parent.rmdir(name, identity))) continue
      await parent.sync()
      removed.push(folder)
      if (parentKey !== '' && !pending.has(parentKey)) pending.set(parentKey, parent.identity)
    } finally {
      await parent.close()
    }
  }
  return removed
}
