import type {PartialFields, Problem, StoredObject} from '../model.js'
import type {Store} from '../store/types.js'
import {isoInstant} from '../policy/zone.js'
import {HEAD_BYTES, probeAudio} from './audio.js'
import {FIELD_NAMES, validateFields} from './fields.js'
import {isRecording} from './recording.js'
import {isAgeEncrypted} from './sniff.js'
import {readCallTags} from './tags.js'
import {detail} from '../details.js'

/**
 * What the files themselves say of one recording: the I/O half of the probe, with no policy and no CDR,
 * so that it can run in a worker thread and come back as plain data.
 */
export interface RecordingFacts {
  key: string
  size: number
  modifiedAt: string
  encrypted: boolean
  audio?: {container?: string; codec?: string; durationSec?: number; sampleRate?: number; channels?: number}
  unreadable?: string
  tags?: {fields: PartialFields; refs: Record<string, string>}
  sidecar?: {key: string; fields: PartialFields}
  /** S3 user metadata (x-amz-meta-*) and object tags that name call fields. */
  objectMetadata?: {fields: PartialFields; refs: Record<string, string>}
  objectTags?: {fields: PartialFields; refs: Record<string, string>}
  stored?: StoredObject
  problems: Problem[]
  /**
   * Set when the name left it to the content and the content is not audio, or could not be read: not a
   * recording (a file that cannot be told to be one is never acted on).
   */
  notRecording?: string
}

export interface FactsTask {
  key: string
  sidecarKey?: string
  /** The name does not tell (recordingByName: `content`): a recording only if its first bytes are audio. */
  sniff?: boolean
}

export async function readFacts(store: Store, {key, sidecarKey, sniff}: FactsTask, timeoutMs: number, options: {objectTags?: boolean} = {}): Promise<RecordingFacts> {
  const file = await readFileFacts(store, key, sniff ?? false, timeoutMs, options)
  return sidecarKey && !file.notRecording ? withSidecar(file, await readSidecarFacts(store, sidecarKey)) : file
}

/** What one sidecar says, as the probe cache keeps it. */
export interface SidecarFacts {
  key: string
  fields: PartialFields
  problems: Problem[]
}

export function withSidecar(file: RecordingFacts, sidecar: SidecarFacts): RecordingFacts {
  return {...file, problems: [...file.problems, ...sidecar.problems], sidecar: {key: sidecar.key, fields: sidecar.fields}}
}

export async function readSidecarFacts(store: Store, key: string): Promise<SidecarFacts> {
  return {key, ...(await readSidecar(store, key))}
}

/**
 * What the recording's own file says: size, date, encryption, audio header and tags (and on S3 its storage,
 * user metadata and, when asked, its tags). `transient` marks what depends on the moment (I/O errors, a parse
 * that ran out of time on a loaded machine), not on the file.
 */
export async function readFileFacts(store: Store, key: string, sniff: boolean, timeoutMs: number, options: {objectTags?: boolean} = {}): Promise<RecordingFacts & {transient?: true}> {
  const facts: RecordingFacts & {transient?: true} = {key, size: 0, modifiedAt: new Date(0).toISOString(), encrypted: false, problems: []}
  const entry = await store.open(key).catch((error: NodeJS.ErrnoException) => {
    facts.unreadable = detail('cannotOpen', {code: error.code ?? error.message})
    return undefined
  })
  if (!entry) {
    facts.unreadable ??= detail('vanished')
    facts.transient = true
    return sniff ? {...facts, notRecording: detail('unreadableContent', {why: facts.unreadable})} : facts
  }
  let known = !sniff
  try {
    facts.size = entry.size
    facts.modifiedAt = isoInstant(entry.modifiedAt.getTime())
    if (entry.stored) facts.stored = entry.stored
    if (entry.metadata) facts.objectMetadata = namedFields(entry.metadata, 'object-metadata', key, facts.problems)
    // An archived object (GLACIER…) is not read: its verdicts come from its name, sidecar, CDR and metadata;
    // one whose name does not say it is a recording cannot be told to be one.
    const archived = entry.stored?.archived
    if (archived && sniff) return {...facts, notRecording: detail('archivedNotRecording', {storageClass: archived})}
    const head = archived ? undefined : await entry.read(0, HEAD_BYTES)
    if (head && sniff && !isRecording(key, head)) return {...facts, notRecording: detail('noAudio')}
    known = true
    facts.encrypted = head !== undefined && isAgeEncrypted(head)
    if (head && !facts.encrypted) {
      const probe = await probeAudio(head, entry.size, (position, length) => entry.read(position, length), timeoutMs)
      if ('error' in probe) {
        facts.unreadable = probe.error
        if (probe.timedOut) facts.transient = true
      } else {
        facts.audio = probe.audio
        const tags = readCallTags(probe.metadata)
        const validated = validateFields(tags.raw, 'tag', key)
        facts.problems.push(...validated.problems)
        facts.tags = {fields: validated.fields, refs: tags.refs}
      }
    }
  } catch (error) {
    facts.unreadable = detail('cannotRead', {code: (error as NodeJS.ErrnoException).code ?? (error as Error).message})
    facts.transient = true
    if (!known) return {...facts, notRecording: detail('unreadableContent', {why: facts.unreadable})}
  } finally {
    await entry.close()
  }
  if (options.objectTags && store.tags) {
    const tags = await store.tags(key).catch((error: NodeJS.ErrnoException) => {
      facts.problems.push({origin: 'object-tags', source: key, message: detail('cannotReadObjectTags', {code: error.code ?? error.message})})
      facts.transient = true
      return undefined
    })
    if (tags) facts.objectTags = namedFields(tags, 'object-tags', key, facts.problems)
  }
  return facts
}

/** Sidecars are a few hundred bytes; a bigger one is refused from its size, before any of it is read. */
export const SIDECAR_MAX_BYTES = 1024 * 1024

export async function readSidecar(store: Store, key: string): Promise<{fields: PartialFields; problems: Problem[]}> {
  const problem = (message: string) => ({fields: {}, problems: [{origin: 'sidecar' as const, source: key, message}]})
  let raw: unknown
  try {
    const entry = await store.open(key)
    if (!entry) return problem(detail('cannotRead', {code: 'ENOENT'}))
    let bytes: Buffer
    try {
      if (entry.size > SIDECAR_MAX_BYTES) return problem(detail('sidecarTooLarge', {size: entry.size, mib: SIDECAR_MAX_BYTES / 1024 / 1024}))
      bytes = await entry.read(0, entry.size)
    } finally {
      await entry.close()
    }
    raw = JSON.parse(bytes.toString('utf8'))
  } catch (error) {
    return problem(error instanceof SyntaxError ? detail('notJson', {error: error.message}) : detail('cannotRead', {code: String((error as NodeJS.ErrnoException).code)}))
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return problem(detail('notJsonObject'))
  return validateFields(raw as Record<string, unknown>, 'sidecar', key)
}

const FIELD_BY_NAME = new Map(FIELD_NAMES.map((field) => [field.toLowerCase(), field]))

/**
 * Call fields named by S3 user metadata or tags: `recorded-at`, `recordedAt`, `callrec-recorded-at` all name
 * recordedAt (metadata names are lower case on the wire). Other names are left alone: metadata has other uses.
 */
function namedFields(pairs: Record<string, string>, origin: 'object-metadata' | 'object-tags', key: string, problems: Problem[]): {fields: PartialFields; refs: Record<string, string>} {
  const raw: Record<string, unknown> = {}
  const refs: Record<string, string> = {}
  for (const [name, value] of Object.entries(pairs)) {
    const field = FIELD_BY_NAME.get(name.toLowerCase().replace(/^callrec-/, '').replaceAll('-', ''))
    if (!field) continue
    raw[field] = value
    refs[field] = origin === 'object-metadata' ? `x-amz-meta-${name}` : `tag:${name}`
  }
  const validated = validateFields(raw, origin, key)
  problems.push(...validated.problems)
  return {fields: validated.fields, refs}
}
