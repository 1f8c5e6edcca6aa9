import type {PartialFields, Problem} from '../model.js'
import type {Store} from '../store/types.js'
import {HEAD_BYTES, probeAudio} from './audio.js'
import {validateFields} from './fields.js'
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

export async function readFacts(store: Store, {key, sidecarKey, sniff}: FactsTask, timeoutMs: number): Promise<RecordingFacts> {
  const file = await readFileFacts(store, key, sniff ?? false, timeoutMs)
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
 * What the recording's own file says: size, date, encryption, audio header and tags. `transient` marks what
 * depends on the moment (I/O errors, a parse that ran out of time on a loaded machine), not on the file.
 */
export async function readFileFacts(store: Store, key: string, sniff: boolean, timeoutMs: number): Promise<RecordingFacts & {transient?: true}> {
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
    facts.modifiedAt = entry.modifiedAt.toISOString()
    const head = await entry.read(0, HEAD_BYTES)
    if (sniff && !isRecording(key, head)) return {...facts, notRecording: detail('noAudio')}
    known = true
    facts.encrypted = isAgeEncrypted(head)
    if (!facts.encrypted) {
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
