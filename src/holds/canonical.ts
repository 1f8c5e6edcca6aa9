// Hold keys name files as they are on disk. A key typed through a symlink (`Monitor/…` when `Monitor` is a
// link to `monitor`) or in another case on a case-insensitive filesystem names the same recording under
// another spelling; purge compares keys, so the hold would protect nothing. Keys are therefore made
// canonical: the real path relative to the root.
import {lstat, realpath} from 'node:fs/promises'
import path from 'node:path'
import type {Store} from '../store/types.js'
import {checkKey, nameToKeyPart} from '../store/keys.js'

export interface ResolvedKey {
  /** The real path relative to the root (the on-disk names), or undefined when it leads out of the root (or nowhere). */
  key?: string
  /** The first part of the typed key that is a symlink, if any. */
  symlink?: string
}

const lstatOf = (file: string | Buffer) => lstat(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))

/**
 * The key as the filesystem spells it. Parts that do not exist (a recording not written yet, a glob's
 * pattern) are kept as typed after the last existing folder. Undefined for stores without local paths
 * (S3 keys have no aliases).
 */
export async function resolveKey(store: Store, key: string): Promise<ResolvedKey | undefined> {
  if (!store.localPath) return undefined
  const parts = checkKey(key)
  let existing = 0
  let symlink: string | undefined
  for (; existing < parts.length; existing++) {
    const prefix = parts.slice(0, existing + 1).join('/')
    const info = await lstatOf(store.localPath(prefix))
    if (!info) break
    if (info.isSymbolicLink()) symlink ??= prefix
  }
  if (existing === 0) return {key, symlink}
  // realpath(3) (what fs/promises calls) gives the on-disk names, case included where the filesystem folds case.
  const real = await realpath(store.localPath(parts.slice(0, existing).join('/')), {encoding: 'buffer'}).catch(() => undefined)
  const root = Buffer.from(store.location)
  if (!real) return {symlink} // a dangling symlink: it names nothing inside the root
  if (!real.equals(root) && !(real.subarray(0, root.length + 1).equals(Buffer.concat([root, Buffer.from(path.sep)])))) return {symlink}
  const inside = real.length === root.length ? [] : splitBuffer(real.subarray(root.length + 1)).map(nameToKeyPart)
  return {key: [...inside, ...parts.slice(existing)].join('/'), symlink}
}

function splitBuffer(bytes: Buffer): Buffer[] {
  const parts: Buffer[] = []
  for (let start = 0; start <= bytes.length; ) {
    const slash = bytes.indexOf(0x2f, start)
    const end = slash < 0 ? bytes.length : slash
    parts.push(bytes.subarray(start, end))
    start = end + 1
  }
  return parts
}
