import {Agent as HttpAgent} from 'node:http'
import {Agent as HttpsAgent} from 'node:https'
import {createHash} from 'node:crypto'
import {Readable} from 'node:stream'
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetBucketLocationCommand,
  GetBucketVersioningCommand,
  GetObjectCommand,
  GetObjectTaggingCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListObjectVersionsCommand,
  S3Client,
  S3ServiceException,
} from '@aws-sdk/client-s3'
import {Upload} from '@aws-sdk/lib-storage'
import {booleanSelector, loadConfig, SelectorType} from '@smithy/core/config'
import pMap from 'p-map'
import {CallrecError, errorMessage} from '../errors.js'
import {POLICY_FILE} from '../policy/load.js'
import {checkKey} from './keys.js'
import {LightGet} from './s3-get.js'
import type {Carried, Eraser, FileFact, OpenEntry, Store, StoreDescription, StoreFolder, StoredObject, VersionScope} from './types.js'
import {detail} from '../details.js'

/** Reads in flight at once, bodies included: enough to hide S3's latency, few enough for a small server. */
const CONCURRENCY = 32
/**
 * What open() fetches with its one GET: the audit reads the first 8 KiB of every recording (probe/audio.ts
 * HEAD_BYTES), so that read costs no second request.
 */
const OPEN_BYTES = 8192
/** DeleteObjects takes at most 1,000 keys (or versions) a request. */
const DELETE_BATCH = 1000

/** Storage classes whose objects cannot be read without a restore: never read, judged from their other sources. */
export function isArchived(storageClass: string | undefined): boolean {
  return storageClass === 'GLACIER' || storageClass === 'DEEP_ARCHIVE'
}

/** One version (or delete marker) of an object in a versioned bucket. */
export interface ObjectVersion {
  id: string
  deleteMarker: boolean
  latest: boolean
  size: number
  modifiedAt: Date
  etag?: string
  storageClass?: string
}

/** Kept-alive connections, shared by the SDK and the store's own GETs (s3-get.ts). */
type Agents = {http: HttpAgent; https: HttpsAgent}
/** A request silent this long fails (a server that stops answering must not hang the run). */
const SOCKET_TIMEOUT_MS = 60_000

/** A client from the standard AWS chain (environment, profiles, SSO, instance roles), plus an S3-compatible endpoint. */
function s3Client(endpoint: string | undefined, agents: Agents, region?: string): S3Client {
  return new S3Client({
    region,
    // Servers other than AWS are addressed by path (http://host/bucket/key): their DNS knows no bucket names.
    ...(endpoint ? {endpoint, forcePathStyle: !isAwsEndpoint(endpoint)} : {}),
    // The bucket answers from its own region whatever region the client starts from.
    followRegionRedirects: true,
    // With the default (WHEN_SUPPORTED), S3-compatible servers may store a streamed upload with its chunk framing.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // A server that stops answering fails the request after a minute of silence instead of hanging the run.
    requestHandler: {httpAgent: agents.http, httpsAgent: agents.https, connectionTimeout: 10_000, socketTimeout: SOCKET_TIMEOUT_MS},
  })
}

/**
 * The endpoint, where the AWS SDK itself finds one (and so callrec knows it is not AWS): CALLREC_S3_ENDPOINT first,
 * then AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the profile's `endpoint_url` or its `services` section's `s3 =
 * endpoint_url` in ~/.aws/config, unless AWS_IGNORE_CONFIGURED_ENDPOINT_URLS / ignore_configured_endpoint_urls.
 */
async function s3Endpoint(): Promise<string | undefined> {
  if (process.env.CALLREC_S3_ENDPOINT) return process.env.CALLREC_S3_ENDPOINT
  const ignored = await loadConfig<boolean>({
    environmentVariableSelector: (env) => booleanSelector(env, 'AWS_IGNORE_CONFIGURED_ENDPOINT_URLS', SelectorType.ENV),
    configFileSelector: (profile) => booleanSelector(profile, 'ignore_configured_endpoint_urls', SelectorType.CONFIG),
    default: false,
  })()
  if (ignored) return undefined
  return loadConfig<string | undefined>({
    environmentVariableSelector: (env) => env.AWS_ENDPOINT_URL_S3 || env.AWS_ENDPOINT_URL || undefined,
    configFileSelector: (profile, config) => (profile.services ? config?.[`services.${profile.services}`]?.['s3.endpoint_url'] : undefined) ?? profile.endpoint_url,
    default: undefined,
  })().catch(() => undefined)
}

const isAwsEndpoint = (endpoint: string) => /(^|\.)amazonaws\.com(\.cn)?$/i.test(URL.canParse(endpoint) ? new URL(endpoint).hostname : endpoint)

/** Opens `s3://bucket/prefix`, checking that the bucket is there and readable: a one-line error (exit 2) if not. */
export async function openS3Store(location: string): Promise<S3Store> {
  const match = /^s3:\/\/([^/]+)\/*(.*?)\/*$/i.exec(location)
  if (!match) throw new CallrecError(`${location}: not an S3 URL (s3://bucket/prefix)`)
  const [, bucket, prefix] = match
  try {
    if (prefix) checkKey(prefix)
  } catch {
    throw new CallrecError(`${location}: not a usable prefix (no empty, "." or ".." part)`)
  }
  const endpoint = await s3Endpoint()
  const options = {keepAlive: true, maxSockets: CONCURRENCY * 2}
  const agents = {http: new HttpAgent(options), https: new HttpsAgent(options)}
  let client = s3Client(endpoint, agents)
  // Any region reaches the bucket (followRegionRedirects): us-east-1, as the AWS CLI does, when none is configured.
  if (!(await client.config.region().catch(() => undefined))) client = s3Client(endpoint, agents, 'us-east-1')
  const head = await client.send(new HeadBucketCommand({Bucket: bucket})).catch((error) => {
    const status = (error as S3ServiceException).$metadata?.httpStatusCode
    const why = status === 404 ? 'no such bucket' : status === 403 ? 'access denied (check the credentials and the bucket policy)' : errorMessage(error)
    throw new CallrecError(`s3://${bucket}${endpoint ? ` (endpoint ${endpoint})` : ''}: ${why}`)
  })
  const shown = endpoint && !isAwsEndpoint(endpoint) ? endpoint : undefined
  return new S3Store({bucket, prefix: prefix ? prefix + '/' : '', client, region: head.BucketRegion, endpoint: shown, get: new LightGet(client, bucket, agents, head.BucketRegion, SOCKET_TIMEOUT_MS)})
}

export interface S3StoreOptions {
  bucket: string
  /** Empty, or ending with `/`. */
  prefix: string
  client: S3Client
  /** The region HeadBucket reported, when it did (AWS does); otherwise describe() asks GetBucketLocation. */
  region?: string
  endpoint?: string
  /** Ranged GETs without the SDK's middleware (s3-get.ts); through the SDK without it. */
  get?: LightGet
}

/** An S3 bucket, or a prefix of one, as an archive. Keys are object keys relative to the prefix. */
export class S3Store implements Store {
  readonly location: string
  private readonly limit = new Limit(CONCURRENCY)
  private versioned?: Promise<boolean>
  /** What the listing said of objects that need more than a plain GET (archived, versions): open() reads it. */
  private readonly stored = new Map<string, ListedObject>()

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
    const nested = await this.nestedArchives()
    const reported = new Set<string>()
    for await (const object of this.listObjects()) {
      const key = object.key.slice(this.options.prefix.length)
      const kind = kindOf(key)
      if (kind === 'hidden') continue
      const other = nested.length > 0 ? nested.find((folder) => key.startsWith(folder + '/')) : undefined
      if (other) {
        // Another archive below this one (its own callrec.yml): not listed, said once, as on disk.
        if (!reported.has(other)) {
          reported.add(other)
          yield {keys: [], refused: [], nested: [other]}
        }
        continue
      }
      if (object.stored) this.stored.set(key, object.stored)
      const folder = key.slice(0, key.lastIndexOf('/') + 1)
      while (open.length > 0 && !folder.startsWith(open.at(-1)!.folder)) yield open.pop()!.listed
      if (open.at(-1)?.folder !== folder) open.push({folder, listed: {keys: [], refused: []}})
      const {listed} = open.at(-1)!
      if (kind === 'key') listed.keys.push(key)
      else listed.refused.push({key, reason: detail('badObjectKey')})
    }
    while (open.length > 0) yield open.pop()!.listed
  }

  /**
   * Folders below the root that hold their own callrec.yml (any case), outermost only. A flat listing meets a
   * folder's policy after some of its keys (`sub/a.wav` sorts before `sub/callrec.yml`): a listing of names first,
   * one request per 1,000 keys, says which folders are other archives before anything is read.
   */
  private async nestedArchives(): Promise<string[]> {
    const found: string[] = []
    for await (const {key: objectKey} of this.listObjects()) {
      const key = objectKey.slice(this.options.prefix.length)
      const slash = key.lastIndexOf('/')
      if (slash <= 0 || key.slice(slash + 1).toLowerCase() !== POLICY_FILE || kindOf(key) !== 'key') continue
      const folder = key.slice(0, slash)
      if (!found.some((outer) => folder.startsWith(outer + '/'))) found.push(folder)
    }
    return found.filter((folder) => !found.some((outer) => folder.startsWith(outer + '/')))
  }

  /**
   * The objects under the prefix in key order, each once. In a versioned bucket (ListObjectVersions) a key whose
   * current version is a delete marker is still listed while a version holds data: "deleted" by another tool,
   * the recording is still stored. What the listing says beyond the key (archive class, older versions) is kept.
   */
  private async *listObjects(): AsyncIterable<{key: string; stored?: ListedObject}> {
    const {bucket, prefix} = this.options
    const versioned = await this.isVersioned().catch(() => false)
    if (!versioned) {
      let token: string | undefined
      do {
        const page = await this.request(this.location, (client) => client.send(new ListObjectsV2Command({Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token})))
        for (const object of page.Contents ?? []) {
          const archived = isArchived(object.StorageClass)
          yield {key: object.Key!, ...(archived ? {stored: {archived: object.StorageClass, size: object.Size ?? 0, modifiedAt: object.LastModified ?? new Date(0)}} : {})}
        }
        token = page.NextContinuationToken
      } while (token)
      return
    }
    let markers: {KeyMarker?: string; VersionIdMarker?: string} = {}
    let pending: {Key?: string; VersionId?: string; IsLatest?: boolean; Size?: number; LastModified?: Date; StorageClass?: string; marker: boolean}[] = []
    for (;;) {
      const page = await this.request(this.location, (client) => client.send(new ListObjectVersionsCommand({Bucket: bucket, Prefix: prefix || undefined, ...markers})))
      pending.push(...(page.Versions ?? []).map((v) => ({...v, marker: false})), ...(page.DeleteMarkers ?? []).map((m) => ({...m, marker: true})))
      pending.sort((x, y) => (x.Key! < y.Key! ? -1 : x.Key! > y.Key! ? 1 : Number(y.IsLatest) - Number(x.IsLatest)))
      // The last key of a truncated page may have more versions on the next one.
      const last = page.IsTruncated ? pending.at(-1)?.Key : undefined
      const done = pending.filter((entry) => entry.Key !== last)
      pending = pending.filter((entry) => entry.Key === last)
      for (let i = 0; i < done.length; ) {
        let j = i
        while (j < done.length && done[j].Key === done[i].Key) j++
        const versions = done.slice(i, j)
        i = j
        const data = versions.filter((entry) => !entry.marker).sort((x, y) => Number(y.IsLatest) - Number(x.IsLatest) || y.LastModified!.getTime() - x.LastModified!.getTime())
        if (data.length === 0) continue // only delete markers: nothing stored
        const deleteMarked = !data[0].IsLatest
        const noncurrent = data.length - (deleteMarked ? 0 : 1)
        const archived = isArchived(data[0].StorageClass)
        if (!deleteMarked && noncurrent === 0 && !archived) yield {key: data[0].Key!}
        else {
          const stored: ListedObject = {size: data[0].Size ?? 0, modifiedAt: data[0].LastModified ?? new Date(0), ...(archived ? {archived: data[0].StorageClass} : {})}
          if (noncurrent > 0) stored.noncurrentVersions = noncurrent
          if (deleteMarked) Object.assign(stored, {deleteMarked: true, versionId: data[0].VersionId})
          yield {key: data[0].Key!, stored}
        }
      }
      if (!page.IsTruncated) return
      markers = {KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker}
    }
  }

  async open(key: string): Promise<OpenEntry | undefined> {
    const listed = this.stored.get(key)
    // An object in an archive class cannot be read without a restore (which takes hours and costs): not asked.
    if (listed?.archived) return {size: listed.size, modifiedAt: listed.modifiedAt, stored: storedOf(listed), read: notReadable(key, listed.archived), close: async () => {}}
    let first: Ranged
    try {
      first = await this.getRange(key, 0, OPEN_BYTES, {versionId: listed?.versionId})
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return undefined
      if (code !== 'InvalidRange' && code !== 'InvalidObjectState') throw error
      // An empty object has no byte 0 to ask for (HTTP 416); an object in an archive tier of Intelligent-Tiering
      // refuses reads (403 InvalidObjectState): HEAD says the rest.
      const head = await this.head(key, listed?.versionId)
      if (!head) return undefined
      const archived = code === 'InvalidObjectState' ? (head.ArchiveStatus ?? head.StorageClass ?? 'archived') : undefined
      const size = head.ContentLength ?? 0
      const modifiedAt = head.LastModified ?? new Date(0)
      if (archived) return {size, modifiedAt, stored: storedOf({...listed, archived, size, modifiedAt}), read: notReadable(key, archived), close: async () => {}}
      first = {bytes: Buffer.alloc(0), size, modifiedAt, etag: head.ETag, response: head}
    }
    const {bytes, size, etag, response} = first
    const lastModified = response.Metadata?.[LAST_MODIFIED_META]
    const stored = {...storedOf(listed), ...lockOf(response)}
    return {
      // A copy made by callrec (encrypt) carries the original's date: the object's own is the copy's.
      modifiedAt: lastModified && !Number.isNaN(Date.parse(lastModified)) ? new Date(lastModified) : first.modifiedAt,
      size,
      ...(Object.keys(stored).length > 0 ? {stored} : {}),
      ...(response.Metadata && Object.keys(response.Metadata).length > 0 ? {metadata: response.Metadata} : {}),
      ...(response.ContentType ? {contentType: response.ContentType} : {}),
      read: async (position, length) => {
        const end = Math.min(position + length, size)
        if (end <= position) return Buffer.alloc(0)
        if (end <= bytes.length) return bytes.subarray(position, end)
        return (await this.getRange(key, position, end - position, {etag, versionId: listed?.versionId})).bytes
      },
      close: async () => {},
    }
  }

  /**
   * `length` bytes from `position`, and what the response says of the whole object. `etag` pins later reads
   * to the object that was opened: one replaced meanwhile fails (PreconditionFailed) rather than mixing two.
   */
  private getRange(key: string, position: number, length: number, pin: {etag?: string; versionId?: string} = {}): Promise<Ranged> {
    const Key = this.objectKey(key)
    const input = {Key, Range: `bytes=${position}-${position + length - 1}`, IfMatch: pin.etag, ...(pin.versionId ? {VersionId: pin.versionId} : {})}
    const {get, bucket} = this.options
    return this.request(key, async (client) => {
      const out = get ? await get.send(input) : await client.send(new GetObjectCommand({Bucket: bucket, ...input}))
      const total = out.ContentRange?.split('/')[1]
      return {
        bytes: await readBody(out.Body as Readable, length),
        size: total && total !== '*' ? Number(total) : (out.ContentLength ?? 0),
        modifiedAt: out.LastModified ?? new Date(0),
        etag: out.ETag,
        response: out,
      }
    })
  }

  private async head(key: string, versionId?: string) {
    const Key = this.objectKey(key)
    return this.request(key, (client) => client.send(new HeadObjectCommand({Bucket: this.options.bucket, Key, ...(versionId ? {VersionId: versionId} : {})}))).catch((error) => {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
      throw error
    })
  }

  async readFile(key: string): Promise<Buffer> {
    const Key = this.objectKey(key)
    // A sidecar behind a delete marker is read from its newest version, as its recording is.
    const VersionId = this.stored.get(key)?.versionId
    return this.request(key, async (client) => {
      const out = await client.send(new GetObjectCommand({Bucket: this.options.bucket, Key, ...(VersionId ? {VersionId} : {})}))
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
  async writeAtomic(key: string, data: Readable | AsyncIterable<Uint8Array> | Uint8Array, options: {mode?: number; exclusive?: boolean; carry?: Carried} = {}): Promise<void> {
    const Key = this.objectKey(key)
    const exists = () => Object.assign(new Error(`${key}: already exists`), {code: 'EEXIST'})
    if (options.exclusive && (await this.exists(key))) throw exists()
    const Body = data instanceof Uint8Array || data instanceof Readable ? data : Readable.from(data)
    const {carry} = options
    // The original's date travels as user metadata (open() reads it back as the object's date), with its own metadata and type.
    const carried = carry ? {Metadata: {...carry.metadata, [LAST_MODIFIED_META]: carry.modifiedAt.toISOString()}, ...(carry.contentType ? {ContentType: carry.contentType} : {})} : {}
    const params = {Bucket: this.options.bucket, Key, Body, ...carried, ...(options.exclusive ? {IfNoneMatch: '*'} : {})}
    // No slot of the read limit: the data may be a stream read from this store, which holds one until it ends.
    await new Upload({client: this.options.client, params}).done().catch((error) => {
      const failed = storeError(error, key)
      throw (failed as NodeJS.ErrnoException).code === 'PreconditionFailed' ? exists() : failed
    })
  }

  async remove(key: string): Promise<boolean> {
    const listed = (await this.isVersioned()) ? await this.listVersions(key) : undefined
    const existed = listed ? listed.some((version) => !version.deleteMarker) : await this.exists(key)
    const kept = await this.removeMany([{key, versions: listed?.map((version) => version.id)}], 'all')
    if (kept.has(key)) throw Object.assign(new Error(`${key}: ${kept.get(key)}`), {code: 'EACCES'})
    return existed
  }

  eraser({versions: scope}: {versions: VersionScope}): Eraser {
    return {
      check: async () => {
        // Whether old versions may exist must be known before anything is selected: unknown, nothing could be erased.
        await this.isVersioned().catch((error) => {
          throw new CallrecError((error as Error).message)
        })
      },
      fingerprint: (form) => this.factsBeforeDelete(form, scope),
      removeMany: (files) => this.removeMany(files, scope),
    }
  }

  /** The location with the endpoint when it is not AWS: errors name both. */
  describeLocation(): string {
    return `${this.location}${this.options.endpoint ? ` (endpoint ${this.options.endpoint})` : ''}`
  }

  /**
   * The facts of a scanned object just before its deletion: size, SHA-256 of its current version (read pinned to
   * that version), and on a versioned bucket the ids of the versions that will be deleted. An object in an archive
   * storage class cannot be read: its ETag stands in for the hash.
   */
  private async factsBeforeDelete(form: {key: string; size: number; modifiedAt: string}, scope: VersionScope): Promise<FileFact | 'gone' | {changed: string}> {
    const {key} = form
    let current: Pick<ObjectVersion, 'id' | 'size' | 'modifiedAt' | 'etag' | 'storageClass'>
    let versions: string[] | undefined
    if (await this.isVersioned()) {
      const listed = await this.listVersions(key)
      // Behind a delete marker the newest version holding data is what the scan read and judged.
      const data = listed.find((version) => !version.deleteMarker)
      if (!data) return 'gone'
      current = data
      versions = scope === 'all' ? listed.map((version) => version.id) : [data.id]
    } else {
      const head = await this.head(key)
      if (!head) return 'gone'
      current = {id: '', size: head.ContentLength ?? 0, modifiedAt: head.LastModified ?? new Date(0), etag: head.ETag, storageClass: head.StorageClass}
    }
    // HTTP dates (what the scan's GET saw) have whole seconds; listings may carry milliseconds.
    const seconds = (date: Date | string) => Math.floor(new Date(date).getTime() / 1000)
    if (current.size !== form.size || seconds(current.modifiedAt) !== seconds(form.modifiedAt)) return {changed: 'changed since the plan (size or modification time)'}
    const fact: FileFact = {key, size: current.size, ...(current.etag ? {etag: current.etag} : {}), ...(current.storageClass ? {storageClass: current.storageClass} : {}), ...(versions ? {versions} : {})}
    if (isArchived(current.storageClass)) return fact
    const Key = this.objectKey(key)
    const hash = createHash('sha256')
    try {
      await this.request(key, async (client) => {
        const out = await client.send(new GetObjectCommand({Bucket: this.options.bucket, Key, ...(current.id ? {VersionId: current.id} : {IfMatch: current.etag})}))
        for await (const chunk of out.Body as Readable) hash.update(chunk)
      })
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      if (code === 'ENOENT') return 'gone'
      if (code === 'PreconditionFailed') return {changed: 'replaced since the plan'}
      if (code === 'InvalidObjectState') return fact // archived (an archive tier of Intelligent-Tiering): not readable
      throw error
    }
    return {...fact, sha256: hash.digest('hex')}
  }

  /**
   * Deletes with DeleteObjects, up to 1,000 object versions a request. On a versioned bucket a plain DELETE would
   * only hide the data behind a delete marker: the versions are deleted by id. Object Lock is never bypassed: a
   * kept version is reported with why.
   */
  private async removeMany(files: {key: string; versions?: string[]}[], scope: VersionScope): Promise<Map<string, string>> {
    const versioned = await this.isVersioned()
    const targets: {key: string; versions?: string[]}[] = await pMap(
      files,
      async (file) => {
        if (file.versions) return {key: file.key, versions: file.versions}
        if (!versioned) return {key: file.key}
        const listed = await this.listVersions(file.key)
        return {key: file.key, versions: (scope === 'all' ? listed : listed.slice(0, 1)).map((version) => version.id)}
      },
      {concurrency: 8},
    )
    const objects: {key: string; VersionId?: string}[] = targets.flatMap(({key, versions}) => (versions ? versions.map((VersionId) => ({key, VersionId})) : [{key}]))
    const failures = new Map<string, {id?: string; why: string}[]>()
    const fail = (key: string, id: string | undefined, why: string) => failures.set(key, [...(failures.get(key) ?? []), {id, why}])
    for (let start = 0; start < objects.length; start += DELETE_BATCH) {
      const chunk = objects.slice(start, start + DELETE_BATCH)
      const Objects = chunk.map(({key, VersionId}) => ({Key: this.objectKey(key), ...(VersionId ? {VersionId} : {})}))
      try {
        const out = await this.request(this.location, (client) => client.send(new DeleteObjectsCommand({Bucket: this.options.bucket, Delete: {Objects, Quiet: true}})))
        for (const error of out.Errors ?? []) {
          const key = error.Key!.slice(this.options.prefix.length)
          fail(key, error.VersionId, await this.whyKept(key, error.VersionId, `${error.Code}${error.Message && error.Message !== error.Code ? `: ${error.Message}` : ''}`))
        }
      } catch (error) {
        for (const {key, VersionId} of chunk) fail(key, VersionId, errorMessage(error))
      }
    }
    const kept = new Map<string, string>()
    for (const [key, list] of failures) {
      const total = targets.find((target) => target.key === key)?.versions?.length
      const detail = list.map(({id, why}) => (id ? `${id}: ${why}` : why)).join('; ')
      kept.set(key, total ? `${list.length} of ${total} versions not deleted (${detail})` : `not deleted (${detail})`)
    }
    return kept
  }

  /** Enabled or Suspended: either way old versions may be there. Asked once per run. */
  private isVersioned(): Promise<boolean> {
    this.versioned ??= this.request('GetBucketVersioning', (client) => client.send(new GetBucketVersioningCommand({Bucket: this.options.bucket}))).then(
      (out) => out.Status !== undefined,
      (error) => {
        // A server without versioning keeps no old versions; any other failure leaves it unknown, and erasure refuses.
        if ((error as NodeJS.ErrnoException).code === 'NotImplemented') return false
        throw Object.assign(new Error(`${this.describeLocation()}: cannot tell whether the bucket keeps old versions, so nothing is deleted (${errorMessage(error)})`), {
          code: (error as NodeJS.ErrnoException).code,
        })
      },
    )
    return this.versioned
  }

  /** Every version and delete marker of `key`, newest first (the first is the current one). */
  async listVersions(key: string): Promise<ObjectVersion[]> {
    const Key = this.objectKey(key)
    const found: ObjectVersion[] = []
    let markers: {KeyMarker?: string; VersionIdMarker?: string} = {}
    for (;;) {
      const page = await this.request(key, (client) => client.send(new ListObjectVersionsCommand({Bucket: this.options.bucket, Prefix: Key, ...markers})))
      const entries = [
        ...(page.Versions ?? []).map((v) => ({...v, deleteMarker: false})),
        ...(page.DeleteMarkers ?? []).map((m) => ({...m, deleteMarker: true, Size: 0, ETag: undefined, StorageClass: undefined})),
      ]
      for (const entry of entries) {
        if (entry.Key !== Key) continue
        found.push({
          id: entry.VersionId!,
          deleteMarker: entry.deleteMarker,
          latest: entry.IsLatest ?? false,
          size: entry.Size ?? 0,
          modifiedAt: entry.LastModified ?? new Date(0),
          ...(entry.ETag ? {etag: entry.ETag} : {}),
          ...(entry.StorageClass ? {storageClass: entry.StorageClass} : {}),
        })
      }
      // Other keys under this prefix sort after the key itself: once one shows up, all of its versions were seen.
      if (!page.IsTruncated || entries.some((entry) => entry.Key !== Key)) break
      markers = {KeyMarker: page.NextKeyMarker, VersionIdMarker: page.NextVersionIdMarker}
    }
    // The latest first, then newest to oldest (a server may list versions and markers apart).
    return found.sort((a, b) => Number(b.latest) - Number(a.latest) || b.modifiedAt.getTime() - a.modifiedAt.getTime())
  }

  /** Why a version was not deleted: Object Lock said plainly when the version carries one. */
  private async whyKept(key: string, versionId: string | undefined, error: string): Promise<string> {
    const Key = this.objectKey(key)
    const head = await this.request(key, (client) => client.send(new HeadObjectCommand({Bucket: this.options.bucket, Key, VersionId: versionId}))).catch(() => undefined)
    const until = head?.ObjectLockRetainUntilDate
    if (head?.ObjectLockLegalHoldStatus === 'ON') return 'Object Lock legal hold'
    if (until && until > new Date()) return `Object Lock retention (${head?.ObjectLockMode ?? 'mode unknown'}) until ${until.toISOString()}`
    return error
  }

  async tags(key: string): Promise<Record<string, string>> {
    const Key = this.objectKey(key)
    const VersionId = this.stored.get(key)?.versionId
    const out = await this.request(key, (client) => client.send(new GetObjectTaggingCommand({Bucket: this.options.bucket, Key, ...(VersionId ? {VersionId} : {})})))
    return Object.fromEntries((out.TagSet ?? []).map((tag) => [tag.Key!, tag.Value ?? '']))
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
  /** The response's headers: Object Lock, user metadata, content type. */
  response: {Metadata?: Record<string, string>; ContentType?: string; ObjectLockLegalHoldStatus?: string; ObjectLockMode?: string; ObjectLockRetainUntilDate?: Date}
}

/** What the listing said of an object beyond its key, for open() (kept only for the few objects that need it). */
interface ListedObject {
  size: number
  modifiedAt: Date
  archived?: string
  noncurrentVersions?: number
  deleteMarked?: boolean
  /** The version to read: the newest holding data, for a delete-marked key. */
  versionId?: string
}

/** The user metadata key under which encrypt keeps the original's LastModified (x-amz-meta-callrec-last-modified). */
export const LAST_MODIFIED_META = 'callrec-last-modified'

function storedOf(listed: ListedObject | undefined): StoredObject {
  if (!listed) return {}
  const {archived, noncurrentVersions, deleteMarked} = listed
  return {...(archived ? {archived} : {}), ...(noncurrentVersions ? {noncurrentVersions} : {}), ...(deleteMarked ? {deleteMarked} : {})}
}

/** Object Lock as a GET or HEAD reports it (to a caller allowed s3:GetObjectLegalHold and s3:GetObjectRetention). */
function lockOf(response: Ranged['response']): StoredObject {
  const legalHold = response.ObjectLockLegalHoldStatus === 'ON'
  const until = response.ObjectLockRetainUntilDate
  if (!legalHold && !until) return {}
  return {objectLock: {...(legalHold ? {legalHold} : {}), ...(until ? {mode: response.ObjectLockMode ?? 'GOVERNANCE', retainUntil: until.toISOString()} : {})}}
}

function notReadable(key: string, storageClass: string): OpenEntry['read'] {
  return () => Promise.reject(Object.assign(new Error(`${key}: in storage class ${storageClass}, not read (a restore is needed)`), {code: 'InvalidObjectState'}))
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
