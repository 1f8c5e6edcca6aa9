import {Agent as HttpAgent} from 'node:http'
import {Agent as HttpsAgent} from 'node:https'
import {Readable} from 'node:stream'
import {
  DeleteObjectCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3'
import {Upload} from '@aws-sdk/lib-storage'
import {CallrecError, errorMessage} from '../errors.js'
import {checkKey} from './keys.js'
import type {OpenEntry, Store, StoreDescription, StoreFolder} from './types.js'
import {detail} from '../details.js'

/** Reads in flight at once, bodies included: enough to hide S3's latency, few enough for a small server. */
const CONCURRENCY = 32
/**
 * What open() fetches with its one GET: the audit reads the first 8 KiB of every recording (probe/audio.ts
 * HEAD_BYTES), so that read costs no second request.
 */
const OPEN_BYTES = 8192

/** A client from the standard AWS chain (environment, profiles, SSO, instance roles), plus an S3-compatible endpoint. */
function s3Client(region?: string): S3Client {
  const endpoint = s3Endpoint()
  const agent = {keepAlive: true, maxSockets: CONCURRENCY * 2}
  return new S3Client({
    region,
    ...(endpoint ? {endpoint, forcePathStyle: true} : {}),
    // The bucket answers from its own region whatever region the client starts from.
    followRegionRedirects: true,
    // With the default (WHEN_SUPPORTED), S3-compatible servers may store a streamed upload with its chunk framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A server that stops answering fails the request after a minute of silence instead of hanging the run.
    requestHandler: {httpAgent: new HttpAgent(agent), httpsAgent: new HttpsAgent(agent), connectionTimeout: 10_000, socketTimeout: 60_000},
  })
}

function s3Endpoint(): string | undefined {
  return process.env.CALLREC_S3_ENDPOINT || process.env.AWS_ENDPOINT_URL_S3 || process.env.AWS_ENDPOINT_URL || undefined
}

/** Opens `s3://bucket/prefix`, checking that the bucket is there and readable: a one-line error (exit 2) if not. */
export async function openS3Store(location: string): Promise<S3Store> {
  const match = /^s3:\/\/([^/]+)\/*(.*?)\/*$/.exec(location)
  if (!match) throw new CallrecError(`${location}: not an S3 URL (s3://bucket/prefix)`)
  const [, bucket, prefix] = match
  try {
    if (prefix) checkKey(prefix)
  } catch {
    throw new CallrecError(`${location}: not a usable prefix (no empty, "." or ".." part)`)
  }
  let client = s3Client()
  // Any region reaches the bucket (followRegionRedirects): us-east-1, as the AWS CLI does, when none is configured.
  if (!(await client.config.region().catch(() => undefined))) client = s3Client('us-east-1')
  const head = await client.send(new HeadBucketCommand({Bucket: bucket})).catch((error) => {
    const status = (error as S3ServiceException).$metadata?.httpStatusCode
    const why = status === 404 ? 'no such bucket' : status === 403 ? 'access denied (check the credentials and the bucket policy)' : errorMessage(error)
    throw new CallrecError(`s3://${bucket}${s3Endpoint() ? ` (endpoint ${s3Endpoint()})` : ''}: ${why}`)
  })
  return new S3Store({bucket, prefix: prefix ? prefix + '/' : '', client, region: head.BucketRegion, endpoint: s3Endpoint()})
}

export interface S3StoreOptions {
  bucket: string
  /** Empty, or ending with `/`. */
  prefix: string
  client: S3Client
  /** The region HeadBucket reported, when it did (AWS does); otherwise describe() asks GetBucketLocation. */
  region?: string
  endpoint?: string
}

/** An S3 bucket, or a prefix of one, as an archive. Keys are object keys relative to the prefix. */
export class S3Store implements Store {
  readonly location: string
  private readonly limit = new Limit(CONCURRENCY)
  private versioned?: Promise<boolean>

  constructor(private readonly options: S3StoreOptions) {
    this.location = `s3://${options.bucket}${options.prefix ? '/' + options.prefix.slice(0, -1) : ''}`
  }

  private objectKey(key: string): string {
    checkKey(key)
    return this.options.prefix + key
  }

  /** One request within the store's read limit, its body read inside it; S3 errors name the key and carry a code. */
  private async request<T>(what: string, call: (client: S3Client) => Promise<T>): Promise<T> {
    const release = await this.limit.acquire()
    try {
      return await call(this.options.client)
    } catch (error) {
      throw storeError(error, what)
    } finally {
      release()
    }
  }

  async *list(): AsyncIterable<StoreFolder> {
    // One flat listing in key order rather than a delimiter listing per folder. A folder's keys and its
    // subfolders' keys are contiguous in that order, so the folders still open always form a chain of
    // ancestors, and each is complete (and yielded) once the listing leaves it.
    const open: {folder: string; listed: StoreFolder}[] = []
    const {bucket, prefix} = this.options
    let token: string | undefined
    do {
      const page = await this.request(this.location, (client) => client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token})))
      for (const object of page.Contents ?? []) {
        const key = object.Key!.slice(prefix.length)
        const kind = kindOf(key)
        if (kind === 'hidden') continue
        const folder = key.slice(0, key.lastIndexOf('/') + 1)
        while (open.length > 0 && !folder.startsWith(open.at(-1)!.folder)) yield open.pop()!.listed
        if (open.at(-1)?.folder !== folder) open.push({folder, listed: {keys: [], refused: []}})
        const {listed} = open.at(-1)!
        if (kind === 'key') listed.keys.push(key)
        else listed.refused.push({key, reason: detail('badObjectKey')})
      }
      token = page.NextContinuationToken
    } while (token)
    while (open.length > 0) yield open.pop()!.listed
  }

  async open(key: string): Promise<OpenEntry | undefined> {
    let first: Ranged
    try {
      first = await this.getRange(key, 0, OPEN_BYTES)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      if ((error as NodeJS.ErrnoException).code !== 'InvalidRange') throw error
      // An empty object has no byte 0 to ask for (HTTP 416): HEAD says the rest.
      const head = await this.head(key)
      if (!head) return undefined
      first = {bytes: Buffer.alloc(0), size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0), etag: head.ETag}
    }
    const {bytes, size, modifiedAt, etag} = first
    return {
      size,
      modifiedAt,
      read: async (position, length) => {
        const end = Math.min(position + length, size)
        if (end <= position) return Buffer.alloc(0)
        if (end <= bytes.length) return bytes.subarray(position, end)
        return (await this.getRange(key, position, end - position, etag)).bytes
      },
      close: async () => {},
    }
  }

  /**
   * `length` bytes from `position`, and what the response says of the whole object. `etag` pins later reads
   * to the object that was opened: one replaced meanwhile fails (PreconditionFailed) rather than mixing two.
   */
  private getRange(key: string, position: number, length: number, etag?: string): Promise<Ranged> {
    const Key = this.objectKey(key)
    return this.request(key, async (client) => {
      const out = await client.send(new GetObjectCommand({Bucket: this.options.bucket, Key, Range: `bytes=${position}-${position + length - 1}`, IfMatch: etag}))
      const total = out.ContentRange?.split('/')[1]
      return {
        bytes: await readBody(out.Body as Readable, length),
        size: total && total !== '*' ? Number(total) : (out.ContentLength ?? 0),
        modifiedAt: out.LastModified ?? new Date(0),
        etag: out.ETag,
      }
    })
  }

  private async head(key: string) {
    const Key = this.objectKey(key)
    return this.request(key, (client) => client.send(new HeadObjectCommand({Bucket: this.options.bucket, Key}))).catch((error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    })
  }

  async readFile(key: string): Promise<Buffer> {
    const Key = this.objectKey(key)
    return this.request(key, async (client) => {
      const out = await client.send(new GetObjectCommand({Bucket: this.options.bucket, Key}))
      return readBody(out.Body as Readable, Infinity)
    })
  }

  createReadStream(key: string): Readable {
    const Key = this.objectKey(key)
    const {bucket, client} = this.options
    const limit = this.limit
    // The GET starts on the first read and holds a slot of the store's concurrency until the body is done;
    // destroying the stream early ends the generator, whose yield* destroys the body.
    return Readable.from(
      (async function* () {
        const release = await limit.acquire()
        try {
          const out = await client.send(new GetObjectCommand({Bucket: bucket, Key})).catch((error) => {
            throw storeError(error, key)
          })
          yield* out.Body as Readable
        } finally {
          release()
        }
      })(),
      {objectMode: false},
    )
  }

  /**
   * A PUT, or a multipart upload's completion, is atomic: the key holds the old object or the whole new one,
   * and a failed multipart upload is aborted. `mode` has no meaning on S3 (access is IAM and bucket policy).
   * `exclusive` is checked first, then sent as If-None-Match, which makes it atomic on servers that honour it (AWS S3).
   */
  async writeAtomic(key: string, data: Readable | AsyncIterable<Uint8Array> | Uint8Array, options: {mode?: number; exclusive?: boolean} = {}): Promise<void> {
    const Key = this.objectKey(key)
    const exists = () => Object.assign(new Error(`${key}: already exists`), {code: 'EEXIST'})
    if (options.exclusive && (await this.exists(key))) throw exists()
    const Body = data instanceof Uint8Array || data instanceof Readable ? data : Readable.from(data)
    const params = {Bucket: this.options.bucket, Key, Body, ...(options.exclusive ? {IfNoneMatch: '*'} : {})}
    // No slot of the read limit: the data may be a stream read from this store, which holds one until it ends.
    await new Upload({client: this.options.client, params}).done().catch((error) => {
      const failed = storeError(error, key)
      throw (failed as NodeJS.ErrnoException).code === 'PreconditionFailed' ? exists() : failed
    })
  }

  async remove(key: string): Promise<boolean> {
    const Key = this.objectKey(key)
    if (!(await this.isVersioned())) {
      const existed = await this.exists(key)
      await this.request(key, (client) => client.send(new DeleteObjectCommand({Bucket: this.options.bucket, Key})))
      return existed
    }
    // A plain DELETE on a versioned bucket only hides the data behind a delete marker: erasure deletes every version.
    const versions = await this.versionsOf(key)
    const kept: {id: string; why: string; code?: string}[] = []
    for (const version of versions) {
      await this.request('DeleteObject', (client) => client.send(new DeleteObjectCommand({Bucket: this.options.bucket, Key, VersionId: version.id}))).catch(async (error) => {
        kept.push({id: version.id, why: await this.whyKept(key, version.id, error), code: (error as NodeJS.ErrnoException).code})
      })
    }
    if (kept.length > 0) {
      const list = kept.map(({id, why}) => `${id}: ${why}`).join('; ')
      throw Object.assign(new Error(`${key}: ${kept.length} of ${versions.length} versions not deleted (${list})`), {code: kept[0].code})
    }
    return versions.some((version) => !version.deleteMarker)
  }

  /** Enabled or Suspended: either way old versions may be there. Asked once per run. */
  private isVersioned(): Promise<boolean> {
    this.versioned ??= this.request('GetBucketVersioning', (client) => client.send(new GetBucketVersioningCommand({Bucket: this.options.bucket}))).then(
      (out) => out.Status !== undefined,
      (error) => {
        // A server without versioning keeps no old versions; any other failure leaves it unknown, and erasure refuses.
        if ((error as NodeJS.ErrnoException).code === 'NotImplemented') return false
        throw Object.assign(new Error(`${this.location}: cannot tell whether the bucket keeps old versions, so nothing is deleted (${errorMessage(error)})`), {
          code: (error as NodeJS.ErrnoException).code,
        })
      },
    )
    return this.versioned
  }

  private async versionsOf(key: string): Promise<{id: string; deleteMarker: boolean}[]> {
    const Key = this.objectKey(key)
    const found: {id: string; deleteMarker: boolean}[] = []
    let markers: {KeyMarker?: string; VersionIdMarker?: string} = {}
    for (;;) {
      const page = await this.request(key, (client) => client.send(new ListObjectVersionsCommand({Bucket: this.options.bucket, Prefix: Key, ...markers})))
      const entries = [...(page.Versions ?? []).map((v) => ({...v, deleteMarker: false})), ...(page.DeleteMarkers ?? []).map((m) => ({...m, deleteMarker: true}))]
      for (const entry of entries) if (entry.Key === Key) found.push({id: entry.VersionId!, deleteMarker: entry.deleteMarker})
      // Other keys under this prefix sort after the key itself: once one shows up, all of its versions were seen.
      if (!page.IsTruncated || entries.some((entry) => entry.Key !== Key)) return found
      markers = {KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker}
    }
  }

  /** Why a version was not deleted: Object Lock said plainly when the version carries one. */
  private async whyKept(key: string, versionId: string, error: unknown): Promise<string> {
    const Key = this.objectKey(key)
    const head = await this.request(key, (client) => client.send(new HeadObjectCommand({Bucket: this.options.bucket, Key, VersionId: versionId}))).catch(() => undefined)
    const until = head?.ObjectLockRetainUntilDate
    if (head?.ObjectLockLegalHoldStatus === 'ON') return 'Object Lock legal hold'
    if (until && until > new Date()) return `Object Lock retention (${head?.ObjectLockMode ?? 'mode unknown'}) until ${until.toISOString()}`
    return errorMessage(error)
  }

  async exists(key: string): Promise<boolean> {
    return (await this.head(key)) !== undefined
  }

  async describe(): Promise<StoreDescription> {
    const {bucket, prefix, endpoint} = this.options
    let region = this.options.region
    if (!region) {
      const out = await this.request(this.location, (client) => client.send(new GetBucketLocationCommand({Bucket: bucket})))
      // No constraint means us-east-1; "EU" is the old name of eu-west-1.
      region = !out.LocationConstraint ? 'us-east-1' : out.LocationConstraint === 'EU' ? 'eu-west-1' : out.LocationConstraint
    }
    return {kind: 's3', bucket, prefix: prefix.slice(0, -1), region, ...(endpoint ? {endpoint} : {})}
  }

  /** The same bucket and client under `sub/` of this prefix: where an archive keeps its own state (`.callrec/`). */
  within(sub: string): S3Store {
    checkKey(sub)
    return new S3Store({...this.options, prefix: `${this.options.prefix}${sub}/`})
  }

  /**
   * Every object under `sub` (a key prefix relative to this store's), hidden ones included, in key order, with
   * its size and the server's LastModified: what the archive's own state (journal chunks, lock tickets) is read from.
   */
  async *objects(sub: string, startAfter?: string): AsyncIterable<{key: string; size: number; modifiedAt: Date}> {
    const {bucket, prefix} = this.options
    let token: string | undefined
    do {
      const page = await this.request(`${this.location}/${sub}`, (client) =>
        client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix + sub, ContinuationToken: token, ...(startAfter && !token ? {StartAfter: prefix + startAfter} : {})})),
      )
      for (const object of page.Contents ?? []) yield {key: object.Key!.slice(prefix.length), size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0)}
      token = page.NextContinuationToken
    } while (token)
  }

  /** One plain DELETE: on a versioned bucket it leaves a delete marker (state objects, not recordings: nothing to erase). */
  async removeCurrent(key: string): Promise<void> {
    const Key = this.objectKey(key)
    await this.request(key, (client) => client.send(new DeleteObjectCommand({Bucket: this.options.bucket, Key})))
  }
}

/** Folder markers (`x/`) and hidden keys are skipped, as a local folder hides `.name`; keys that are no path inside the archive are refused. */
function kindOf(key: string): 'key' | 'hidden' | 'refused' {
  if (key === '' || key.endsWith('/')) return 'hidden'
  try {
    checkKey(key)
  } catch {
    return 'refused'
  }
  return key.split('/').some((part) => part.startsWith('.')) ? 'hidden' : 'key'
}

interface Ranged {
  bytes: Buffer
  size: number
  modifiedAt: Date
  etag?: string
}

/**
 * The bytes of a response body, at most `max` of them. The body is read to its end, which gives its socket back
 * to the pool; only a body longer than asked for (a server that ignored the range) is cut, and its socket closed.
 */
async function readBody(body: Readable, max: number): Promise<Buffer> {
  const chunks: Buffer[] = []
  let length = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    length += chunk.length
    if (length > max) break // leaving the loop destroys the body
  }
  const bytes = Buffer.concat(chunks, length)
  return length > max ? bytes.subarray(0, max) : bytes
}

/** An S3 error as the store's callers read errors: a message naming the key, and a code (ENOENT when there is no such key). */
function storeError(error: unknown, what: string): Error {
  if (!(error instanceof S3ServiceException)) return error as Error // network errors keep their own code (ECONNREFUSED…)
  const missing = error.name === 'NoSuchKey' || (error.name === 'NotFound' && error.$metadata.httpStatusCode === 404)
  const detail = error.message && error.message !== error.name && error.message !== 'UnknownError' ? `: ${error.message}` : ''
  return Object.assign(new Error(`${what}: ${error.name}${detail}`), {code: missing ? 'ENOENT' : error.name, cause: error})
}

/** At most `size` holders at a time; the others wait their turn in order. */
class Limit {
  private readonly waiting: (() => void)[] = []

  constructor(private free: number) {}

  async acquire(): Promise<() => void> {
    if (this.free > 0) this.free--
    else await new Promise<void>((resolve) => this.waiting.push(resolve))
    return () => {
      // A waiter takes the slot over; the count goes up only when nobody waits.
      const next = this.waiting.shift()
      if (next) next()
      else this.free++
    }
  }
}
