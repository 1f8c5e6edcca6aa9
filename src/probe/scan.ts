import {DateTime} from 'luxon'
import {pMapIterable} from 'p-map'
import picomatch from 'picomatch'
import type {Archive} from '../archive.js'
import type {HoldIndex} from '../holds/index.js'
import type {CallFields, FieldSource, PartialFields, Problem, Recording, SourcedFields} from '../model.js'
import {POLICY_FILE} from '../policy/load.js'
import type {Store} from '../store/types.js'
import {HEAD_BYTES, probeAudio} from './audio.js'
import {bareUniqueId, type CdrIndex} from './cdr-index.js'
import {validateFields} from './fields.js'
import {matchFilename} from './filenames/index.js'
import {isAgeEncrypted} from './sniff.js'
import {readCallTags} from './tags.js'

export type ScanItem =
  | {kind: 'recording'; recording: Recording}
  | {kind: 'orphan-sidecar'; key: string}
  | {kind: 'refused'; key: string; reason: string}

export interface ScanOptions {
  cdr: CdrIndex
  /** The holds file's holds, a source of legalHold. */
  holds?: HoldIndex
  /** Recordings probed at once; I/O bound, so above the core count. */
  concurrency?: number
  /** Time allowed to parse one file's header before it is declared unreadable (hostile files exist). */
  timeoutMs?: number
  /** Only these recordings (keys relative to the root); sidecar pairing still uses the whole folder. */
  select?: (key: string) => boolean
}

type Task = {kind: 'recording'; key: string; sidecarKey?: string} | Exclude<ScanItem, {kind: 'recording'}>

/** The sidecar of `a/x.wav` and of `a/x.wav.age` is `a/x.json`. */
export function sidecarKeyOf(key: string): string {
  const bare = key.replace(/\.age$/i, '')
  const slash = bare.lastIndexOf('/')
  const dot = bare.lastIndexOf('.')
  return (dot > slash + 1 ? bare.slice(0, dot) : bare) + '.json'
}

const isSidecar = (key: string) => key.toLowerCase().endsWith('.json')

/** Lists the archive and yields what the probe knows of each recording, in listing order, streaming. */
export function scanArchive(archive: Archive, options: ScanOptions): AsyncIterable<ScanItem> {
  const {policy} = archive
  const excluded = picomatch(policy.exclude.length > 0 ? policy.exclude : ['\0'], {dot: true})
  const notRecordings = new Set([POLICY_FILE, ...options.cdr.files])
  const timeoutMs = options.timeoutMs ?? 5000

  async function* tasks(): AsyncIterable<Task> {
    for await (const folder of archive.store.list()) {
      for (const refused of folder.refused) if (!excluded(refused.key)) yield {kind: 'refused', ...refused}
      const keys = folder.keys.filter((key) => !excluded(key) && !notRecordings.has(key))
      const sidecars = new Set(keys.filter(isSidecar))
      const paired = new Set<string>()
      for (const key of keys) {
        if (sidecars.has(key)) continue
        const sidecarKey = sidecarKeyOf(key)
        const hasSidecar = sidecars.has(sidecarKey)
        if (hasSidecar) paired.add(sidecarKey)
        if (!options.select || options.select(key)) yield {kind: 'recording', key, sidecarKey: hasSidecar ? sidecarKey : undefined}
      }
      for (const key of sidecars) if (!paired.has(key)) yield {kind: 'orphan-sidecar', key}
    }
  }

  return pMapIterable(
    tasks(),
    async (task): Promise<ScanItem> =>
      task.kind === 'recording' ? {kind: 'recording', recording: await probeRecording(archive, task.key, task.sidecarKey, options.cdr, timeoutMs, options.holds)} : task,
    {concurrency: options.concurrency ?? 32, backpressure: (options.concurrency ?? 32) * 2},
  )
}

interface Layer {
  source: FieldSource
  fields: PartialFields
  ref: (field: keyof CallFields) => string
}

/** Builds one Recording from every metadata source; each field remembers which source gave it. */
export async function probeRecording(archive: Archive, key: string, sidecarKey: string | undefined, cdr: CdrIndex, timeoutMs: number, holds?: HoldIndex): Promise<Recording> {
  const {store, policy} = archive
  const recording: Recording = {key, size: 0, modifiedAt: '', encrypted: false, fields: {}, problems: []}
  const layers: Partial<Record<FieldSource, Layer>> = {}

  const entry = await store.open(key)
  if (!entry) return {...recording, unreadable: 'vanished during the scan'}
  try {
    recording.size = entry.size
    recording.modifiedAt = entry.modifiedAt.toISOString()
    const head = await entry.read(0, HEAD_BYTES)
    recording.encrypted = isAgeEncrypted(head)
    if (!recording.encrypted) {
      const probe = await probeAudio(head, entry.size, (position, length) => entry.read(position, length), timeoutMs)
      if ('error' in probe) recording.unreadable = probe.error
      else {
        recording.audio = probe.audio
        const tags = readCallTags(probe.metadata)
        const validated = validateFields(tags.raw, 'tag', key)
        recording.problems.push(...validated.problems)
        layers.tag = {source: 'tag', fields: validated.fields, ref: (field) => tags.refs[field]}
      }
    }
  } catch (error) {
    recording.unreadable = `cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`
  } finally {
    await entry.close()
  }

  if (sidecarKey) {
    recording.sidecarKey = sidecarKey
    const sidecar = await readSidecar(store, sidecarKey)
    recording.problems.push(...sidecar.problems)
    layers.sidecar = {source: 'sidecar', fields: sidecar.fields, ref: () => sidecarKey}
  }

  const name = matchFilename(key.replace(/\.age$/i, ''))
  if (name) {
    const {localTime, utc, uniqueId, ...facts} = name.facts
    const fields: PartialFields = {...facts}
    if (uniqueId) fields.callId ??= uniqueId
    if (localTime) fields.recordedAt = DateTime.fromISO(localTime, {zone: utc ? 'utc' : policy.timezone}).toUTC().toISO() ?? undefined
    layers.filename = {source: 'filename', fields, ref: () => `filename:${name.pattern}`}
  }

  const call = [name?.facts.uniqueId, layers.sidecar?.fields.callId].map((id) => id && cdr.byUniqueId.get(bareUniqueId(id))).find(Boolean)
  if (call) {
    layers.cdr = {
      source: 'cdr',
      ref: () => call.ref,
      fields: {callId: call.uniqueId, recordedAt: call.answer ?? call.start, caller: call.src || undefined, callee: call.dst || undefined, agent: call.agent},
    }
  }

  recording.fields = mergeFields(
    policy.sources.map((source) => layers[source]).filter((layer): layer is Layer => layer !== undefined),
    policy.defaults,
  )
  recording.fields.recordedAt ??= {value: recording.modifiedAt, source: 'mtime', ref: 'file modification time'}
  const {callId, caller, callee} = recording.fields
  const hold = holds?.legalHold({key, callId: callId?.value, caller: caller?.value, callee: callee?.value}, recording.fields)
  if (hold) recording.fields.legalHold = hold
  return recording
}

function mergeFields(layers: Layer[], defaults: PartialFields): SourcedFields {
  const merged: Record<string, unknown> = {}
  for (const layer of layers) {
    for (const [field, value] of Object.entries(layer.fields)) {
      if (value === undefined || field in merged) continue
      merged[field] = {value, source: layer.source, ref: layer.ref(field as keyof CallFields)}
    }
  }
  for (const [field, value] of Object.entries(defaults)) {
    if (value !== undefined && !(field in merged)) merged[field] = {value, source: 'policy', ref: `policy defaults.${field}`}
  }
  return merged as SourcedFields
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
