import type {Readable} from 'node:stream'
import type {StoredObject} from '../model.js'

export type {StoredObject} from '../model.js'

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
  /** What a copy keeps of its original where the store cannot set a date (S3): see Carried. */
  carry?: Carried
}

/** An entry opened for reading at any offset; close it when done. */
export interface OpenEntry {
  size: number
  modifiedAt: Date
  stored?: StoredObject
  /** User metadata (S3 x-amz-meta-*, names without the prefix), from the same response as the first bytes. */
  metadata?: Record<string, string>
  contentType?: string
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
  /**
   * Size, mtime, ctime and inode of `key` as one string, undefined when it is gone or not a regular file; for
   * stores where that is cheap and trustworthy (a local folder): the probe cache compares it with the last run's.
   */
  fingerprint?(key: string): string | undefined
  /** Where the data sits, for stores that are not a local folder (S3: bucket, prefix, region). */
  describe?(): Promise<StoreDescription>
  /** The object's tags (S3 GetObjectTagging), for stores that have them. */
  tags?(key: string): Promise<Record<string, string>>
  /** How purge deletes, for stores where a deletion is more than unlinking a path (S3: versions, Object Lock). */
  eraser?(options: {versions: VersionScope}): Eraser
}

/**
 * What a new object made from another (encrypt, decrypt) keeps of it beyond its bytes, where the store cannot set a
 * date (S3 gives every write its own LastModified): the original's date, content type and user metadata.
 */
export interface Carried {
  modifiedAt: Date
  metadata?: Record<string, string>
  contentType?: string
}

/** On a versioned bucket, which versions of a recording a purge deletes: every version and delete marker, or the current version. */
export type VersionScope = 'all' | 'current'

/** A file as a purge journals it just before deleting it. */
export interface FileFact {
  key: string
  size: number
  /** SHA-256 of the content; absent only for an S3 object in an archive storage class, which cannot be read (its ETag stands in). */
  sha256?: string
  /** S3: the object's ETag and storage class. */
  etag?: string
  storageClass?: string
  /** S3, versioned bucket: the version ids deleted (versions and delete markers), exactly those that were listed. */
  versions?: string[]
}

/** Purge's deletions on a store that is not a local folder: one flow in the executor, the store's own requests here. */
export interface Eraser {
  /** Refusals that can be known before any scan (the bucket's versioning cannot be read…): throws a CallrecError. */
  check(): Promise<void>
  /** The facts of a scanned file just before its deletion; 'gone' when it vanished; why it must be kept when it changed since the scan. */
  fingerprint(form: {key: string; size: number; modifiedAt: string}): Promise<FileFact | 'gone' | {changed: string}>
  /**
   * Deletes the files, many a request: the versions a fact names, or for a bare key every version (or the current one)
   * as listed now. Returns why each file that was not wholly deleted was kept (Object Lock, access denied…).
   */
  removeMany(files: {key: string; versions?: string[]}[]): Promise<Map<string, string>>
}
