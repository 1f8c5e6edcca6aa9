import type {Readable} from 'node:stream'

/** One folder of the archive as listed: sidecar pairing needs no more than a folder in memory. */
export interface StoreFolder {
  /** Keys of the regular files in this folder, sorted. */
  keys: string[]
  /** Entries that were seen but not followed (symlinks out of the root, unreadable folders), with why. */
  refused: {key: string; reason: string}[]
}

export interface StoreHead {
  bytes: Buffer
  size: number
  modifiedAt: Date
}

/**
 * The one storage interface every backend implements (rclone's shape): list, read, write atomically, remove.
 * Keys are relative to the archive root with `/` separators; a key that would leave the root is refused.
 */
export interface Store {
  /** Where the archive is, for messages: a folder path or a URL. */
  readonly location: string
  list(): AsyncIterable<StoreFolder>
  /** The first `length` bytes with the entry's size and modification time; undefined when the key is gone. */
  head(key: string, length: number): Promise<StoreHead | undefined>
  readRange(key: string, start: number, length: number): Promise<Buffer>
  readFile(key: string): Promise<Buffer>
  createReadStream(key: string): Readable
  /** Writes through a temp file in the same folder, fsync, rename: never a half-written file under `key`. */
  writeAtomic(key: string, data: Readable | AsyncIterable<Uint8Array> | Uint8Array, options?: {mode?: number; exclusive?: boolean}): Promise<void>
  /** Removes `key`; false when it was already gone. */
  remove(key: string): Promise<boolean>
  exists(key: string): Promise<boolean>
  /** A local filesystem path for the key, for stores that have one (used to hand files to tools such as music-metadata). */
  localPath?(key: string): string | Buffer
}
