import type {Readable} from 'node:stream'

/** One folder of the archive as listed: sidecar pairing needs no more than a folder in memory. */
export interface StoreFolder {
  /** Keys of the regular files in this folder, sorted. */
  keys: string[]
  /**
   * Entries that were seen but not followed (symlinks out of the root, unreadable folders), with why. `failed`:
   * could not be read (I/O, permissions) rather than left alone by design: a failure of a run that changes the archive.
   */
  refused: {key: string; reason: string; failed?: boolean}[]
  /** Folders below the root that hold their own callrec.yml: other archives, neither listed nor entered. */
  nested?: string[]
}

export interface WriteOptions {
  mode?: number
  /** Fail with EEXIST, and leave the key as it is, when it exists by the time of the rename. */
  exclusive?: boolean
  /** The file's modification time (local files; a recording's date may fall back on it). */
  modifiedAt?: Date
  /** Called once the data is durable, right before it appears under `key` (to journal it first); a throw cancels the write. */
  beforeCommit?: () => Promise<void>
}

/** An entry opened for reading at any offset; close it when done. */
export interface OpenEntry {
  size: number
  modifiedAt: Date
  /** What the file is, beyond its name (a local file's device and inode), where the store can tell. */
  identity?: string
  /** Up to `length` bytes from `position`; fewer at the end of the entry. */
  read(position: number, length: number): Promise<Buffer>
  close(): Promise<void>
}

/** Where a store keeps its data, for reports: the region says whether personal data sits in the EU/EEA. */
export interface StoreDescription {
  kind: 's3'
  bucket: string
  /** The archive's prefix inside the bucket, without a trailing `/`; empty for the whole bucket. */
  prefix: string
  /** The bucket's region as the server reports it (an AWS region name on AWS). */
  region: string
  /** The S3-compatible server's endpoint, when it is not AWS (its region is then only the server's word). */
  endpoint?: string
}

/**
 * The one storage interface every backend implements (rclone's shape): list, read, write atomically, remove.
 * Keys are relative to the archive root with `/` separators; a key that would leave the root is refused.
 */
export interface Store {
  /** Where the archive is, for messages: a folder path or a URL. */
  readonly location: string
  list(): AsyncIterable<StoreFolder>
  /** Opens `key` for reads at any offset; undefined when the key is gone. */
  open(key: string, options?: {pinned?: boolean}): Promise<OpenEntry | undefined>
  readFile(key: string): Promise<Buffer>
  createReadStream(key: string): Readable
  /** Writes through a temp file in the same folder, fsync, rename: never a half-written file under `key`. */
  writeAtomic(key: string, data: Readable | AsyncIterable<Uint8Array> | Uint8Array, options?: WriteOptions): Promise<void>
  /** Removes `key`; false when it was already gone. With `expect` (an OpenEntry's identity), only if it is still that entry. */
  remove(key: string, expect?: string): Promise<boolean>
  exists(key: string): Promise<boolean>
  /** A local filesystem path for the key, for stores that have one (used to hand files to tools such as music-metadata). */
  localPath?(key: string): string | Buffer
  /** Where the data sits, for stores that are not a local folder (S3: bucket, prefix, region). */
  describe?(): Promise<StoreDescription>
}
