import type {PartialFields, Problem, StoredObject} from '../model.js'
import type {Store} from '../store/types.js'
import {HEAD_BYTES, probeAudio} from './audio.js'
import {FIELD_NAMES, validateFields} from './fields.js'
import {isRecording} from './recording.js'
import {isAgeEncrypted} from './sniff.js'
import {readCallTags} from './tags.js'

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
  const facts: RecordingFacts = {key, size: 0, modifiedAt: new Date(0).toISOString(), encrypted: false, problems: []}
  const entry = await store.open(key).catch((error: NodeJS.ErrnoException) => {
    facts.unreadable = `cannot open (${error.code ?? error.message})`
    return undefined
  })
  if (!entry) facts.unreadable ??= 'vanished during the scan'
  if (sniff && (!entry || facts.unreadable)) return {...facts, notRecording: `no audio extension, and its content cannot be read (${facts.unreadable})`}
  if (entry) {
    let known = !sniff
    try {
      facts.size = entry.size
      facts.modifiedAt = entry.modifiedAt.toISOString()
      if (entry.stored) facts.stored = entry.stored
      if (entry.metadata) facts.objectMetadata = namedFields(entry.metadata, 'object-metadata', key, facts.problems)
      // An archived object (GLACIER…) is not read: its verdicts come from its name, sidecar, CDR and metadata;
      // one whose name does not say it is a recording cannot be told to be one.
      const archived = entry.stored?.archived
      if (archived && sniff) return {...facts, notRecording: `no audio extension, and its content is in storage class ${archived}: not read`}
      const head = archived ? undefined : await entry.read(0, HEAD_BYTES)
      if (head && sniff && !isRecording(key, head)) return {...facts, notRecording: 'neither an audio extension nor audio content'}
      known = true
      facts.encrypted = head !== undefined && isAgeEncrypted(head)
      if (head && !facts.encrypted) {
        const probe = await probeAudio(head, entry.size, (position, length) => entry.read(position, length), timeoutMs)
        if ('error' in probe) facts.unreadable = probe.error
        else {
          facts.audio = probe.audio
          const tags = readCallTags(probe.metadata)
          const validated = validateFields(tags.raw, 'tag', key)
          facts.problems.push(...validated.problems)
          facts.tags = {fields: validated.fields, refs: tags.refs}
        }
      }
    } catch (error) {
      facts.unreadable = `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`
      if (!known) return {...facts, notRecording: `no audio extension, and its content cannot be read (${facts.unreadable})`}
    } finally {
      await entry.close()
    }
  }
  if (options.objectTags && store.tags && entry) {
    const tags = await store.tags(key).catch((error: NodeJS.ErrnoException) => {
      facts.problems.push({origin: 'object-tags', source: key, message: `cannot read the object's tags (${error.code ?? error.message})`})
      return undefined
    })
    if (tags) facts.objectTags = namedFields(tags, 'object-tags', key, facts.problems)
  }
  if (sidecarKey) {
    const sidecar = await readSidecar(store, sidecarKey)
    facts.problems.push(...sidecar.problems)
    facts.sidecar = {key: sidecarKey, fields: sidecar.fields}
  }
  return facts
}

export async function readSidecar(store: Store, key: string): Promise<{fields: PartialFields; problems: Problem[]}> {
  let raw: unknown
  try {
    raw = JSON.parse((await store.readFile(key)).toString('utf8'))
  } catch (error) {
    const reason = error instanceof SyntaxError ? `not valid JSON (${error.message})` : `cannot read (${(error as NodeJS.ErrnoException).code})`
    return {fields: {}, problems: [{origin: 'sidecar', source: key, message: reason}]}
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {fields: {}, problems: [{origin: 'sidecar', source: key, message: 'not a JSON object'}]}
  }
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
