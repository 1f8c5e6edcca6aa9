import pMap, {pMapIterable} from 'p-map'
import picomatch from 'picomatch'
import type {Archive} from '../archive.js'
import type {HoldIndex} from '../holds/index.js'
import type {CallFields, FieldSource, LegalHold, PartialFields, Recording, Sourced, SourcedFields, StoredObject} from '../model.js'
import {POLICY_FILE} from '../policy/load.js'
import {emptyArchiveError} from '../store/index.js'
import type {Store, StoreFolder} from '../store/types.js'
import type {Policy} from '../policy/schema.js'
import {bareUniqueId} from './asterisk-id.js'
import {openProbeCache} from './cache.js'
import type {CdrIndex} from './cdr-index.js'
import {classify} from './classify.js'
import {readFacts, type FactsTask, type RecordingFacts} from './facts.js'
import {matchFilename} from './filenames/index.js'
import {policyTemplates} from './filenames/template.js'
import {recordingByName} from './recording.js'
import {wallClockToUtc} from './time.js'
import {detail} from '../details.js'

export type ScanItem =
  | {kind: 'recording'; recording: Recording}
  | {kind: 'orphan-sidecar'; key: string}
  | {kind: 'refused'; key: string; reason: string; failed?: boolean}
  /** A file that is not a recording (a document, a spreadsheet…): listed, never purged or encrypted. */
  | {kind: 'not-a-recording'; key: string; reason: string}
  /** A folder holding its own callrec.yml: another archive, skipped. */
  | {kind: 'nested-archive'; key: string}

export interface ScanOptions {
  cdr: CdrIndex
  /** The holds file's holds, a source of legalHold. */
  holds?: HoldIndex
  /** Time allowed to parse one file's header before it is declared unreadable (hostile files exist). */
  timeoutMs?: number
  /** Only these recordings (keys relative to the root); sidecar pairing still uses the whole folder. */
  select?: (key: string) => boolean
  /** Reuse what the last scan learnt of unchanged files (`.callrec/cache/`, local archives with state); default true. */
  cache?: boolean
  /** Without it, an archive whose listing holds no recording at all is an error (wrong prefix, unmounted folder). */
  allowEmpty?: boolean
  /** One key and its sidecar, without listing the archive (`audit --explain`: one key of a bucket costs a few requests). */
  only?: string
}

type Task = ({kind: 'recording'} & FactsTask) | Exclude<ScanItem, {kind: 'recording'}>

/** Recordings probed together; batches keep the per-item overhead of the ordered pipeline low. */
const BATCH = 64

/** The sidecar of `a/x.wav` and of `a/x.wav.age` is `a/x.json`. */
export function sidecarKeyOf(key: string): string {
  const bare = key.replace(/\.age$/i, '')
  const slash = bare.lastIndexOf('/')
  const dot = bare.lastIndexOf('.')
  return (dot > slash + 1 ? bare.slice(0, dot) : bare) + '.json'
}

const isSidecar = (key: string) => key.toLowerCase().endsWith('.json')

/** The folder listing of one key: the key and its sidecar, those that exist. */
async function* oneKey(store: Store, key: string): AsyncIterable<StoreFolder> {
  const candidates = [key, sidecarKeyOf(key)].filter((candidate, index, all) => all.indexOf(candidate) === index)
  const exists = await Promise.all(candidates.map((candidate) => store.exists(candidate).catch(() => false)))
  yield {keys: candidates.filter((_, index) => exists[index]).sort(), refused: []}
}

/**
 * Lists the archive and yields what is known of each recording, in listing order, streaming, a batch at a time
 * (an item at a time would cost a promise per recording, a tenth of a re-audit).
 */
export async function* scanArchive(archive: Archive, options: ScanOptions): AsyncIterable<ScanItem[]> {
  const {store, policy} = archive
  const excluded = picomatch(policy.exclude.length > 0 ? policy.exclude : ['\0'], {dot: true})
  const notRecordings = new Set([POLICY_FILE, ...options.cdr.files])
  const timeoutMs = options.timeoutMs ?? 5000
  const cache = options.cache === false ? undefined : await openProbeCache(archive)
  const objectTags = policy.sources.includes('object-tags')

  async function* tasks(): AsyncIterable<Task[]> {
    let batch: Task[] = []
    for await (const folder of options.only ? oneKey(store, options.only) : store.list()) {
      for (const refused of folder.refused) if (!excluded(refused.key)) batch.push({kind: 'refused', ...refused})
      for (const key of folder.nested ?? []) if (!excluded(key)) batch.push({kind: 'nested-archive', key})
      const keys = folder.keys.filter((key) => !excluded(key) && !notRecordings.has(key))
      const sidecars = new Set(keys.filter(isSidecar))
      const paired = new Set<string>()
      for (const key of keys) {
        if (sidecars.has(key)) continue
        const byName = recordingByName(key)
        if (byName === 'not') {
          batch.push({kind: 'not-a-recording', key, reason: detail('encryptedNotRecording')})
          continue
        }
        const sidecarKey = sidecarKeyOf(key)
        const hasSidecar = sidecars.has(sidecarKey)
        if (hasSidecar) paired.add(sidecarKey)
        if (byName === 'audio') named++
        else sniffed++
        if (!options.select || options.select(key)) batch.push({kind: 'recording', key, sidecarKey: hasSidecar ? sidecarKey : undefined, sniff: byName === 'content'})
        if (batch.length >= BATCH) {
          yield batch
          batch = []
        }
      }
      for (const key of sidecars) if (!paired.has(key)) batch.push({kind: 'orphan-sidecar', key})
    }
    if (batch.length > 0) yield batch
  }

  const probe = async (batch: Task[]): Promise<ScanItem[]> => {
    const wanted = batch.filter((task): task is Extract<Task, {kind: 'recording'}> => task.kind === 'recording')
    cache?.prefetch(wanted.map((task) => task.key))
    // Unchanged recordings are answered at once; only the others are read, 16 at a time.
    const facts = wanted.map((task) => (cache ? cache.facts(task, timeoutMs) : () => readFacts(store, task, timeoutMs, {objectTags})))
    const toRead = facts.flatMap((answer, index) => (typeof answer === 'function' ? [{answer, index}] : []))
    await pMap(toRead, async ({answer, index}) => (facts[index] = await answer()), {concurrency: 16})
    cache?.flush()
    let next = 0
    return batch.map((task) => {
      if (task.kind !== 'recording') return task
      const found = facts[next++] as RecordingFacts
      if (found.notRecording) return {kind: 'not-a-recording', key: found.key, reason: found.notRecording}
      return {kind: 'recording', recording: buildRecording(found, policy, options.cdr, options.holds)}
    })
  }
  // Recordings by name, names only content can tell, and recordings found: no recording at all is a wrong prefix
  // or an unmounted folder until said otherwise (keys left out by `select` are not probed: their names count).
  let named = 0
  let sniffed = 0
  let found = 0
  // Batches in flight × 16 files each: enough reads under way to keep the disk and the thread pool busy.
  let complete = false
  try {
    for await (const items of pMapIterable(tasks(), probe, {concurrency: 4, backpressure: 8})) {
      for (const item of items) if (item.kind === 'recording') found++
      yield items
    }
    complete = !options.select
  } finally {
    cache?.close(complete)
  }
  const none = options.select ? named + sniffed === 0 : named + found === 0
  if (none && !options.allowEmpty && !options.only) throw emptyArchiveError(store)
}

interface Layer {
  source: FieldSource
  fields: PartialFields
  ref: (field: keyof CallFields) => string
}

/** Builds one Recording from the facts of its files, its name and the CDR; each field remembers its source. */
export function buildRecording(facts: RecordingFacts, policy: Policy, cdr: CdrIndex, holds?: HoldIndex): Recording {
  const {key, tags, sidecar} = facts
  const layers: Partial<Record<FieldSource, Layer>> = {}
  if (tags) layers.tag = {source: 'tag', fields: tags.fields, ref: (field) => tags.refs[field]}
  if (sidecar) layers.sidecar = {source: 'sidecar', fields: sidecar.fields, ref: () => sidecar.key}
  for (const [source, found] of [['object-metadata', facts.objectMetadata], ['object-tags', facts.objectTags]] as const) {
    if (found) layers[source] = {source, fields: found.fields, ref: (field) => found.refs[field]}
  }

  const name = matchFilename(key, policyTemplates(policy))
  if (name) {
    const {localTime, utc, zone, uniqueId, callType, ...nameFields} = name.facts
    const fields: PartialFields = {...nameFields}
    if (uniqueId) fields.callId ??= uniqueId
    if (localTime) fields.recordedAt = wallClockToUtc(localTime, utc ? 'UTC' : (zone ?? policy.timezone))
    layers.filename = {source: 'filename', fields, ref: () => `filename:${name.pattern}`}
  }

  const call = cdr.find(key, [name?.facts.uniqueId, sidecar?.fields.callId])
  if (call) {
    layers.cdr = {
      source: 'cdr',
      ref: () => call.ref,
      fields: {callId: call.uniqueId, recordedAt: call.answer ?? call.start, caller: call.src || undefined, callee: call.dst || undefined, agent: call.agent},
    }
  }

  const fields = mergeFields(policy.sources.map((source) => layers[source]).filter((layer): layer is Layer => layer !== undefined))
  classify(policy, {key, callType: name?.facts.callType, cdr: call || undefined}, fields)
  addDefaults(fields, policy.defaults)
  fields.recordedAt ??= {value: facts.modifiedAt, source: 'mtime', ref: 'file modification time'}
  const hold = holds?.legalHold({key, callId: fields.callId?.value, caller: fields.caller?.value, callee: fields.callee?.value}, fields)
  if (hold) fields.legalHold = hold
  const locked = fields.legalHold ? undefined : objectLockHold(facts.stored)
  if (locked) fields.legalHold = locked
  return {
    key,
    size: facts.size,
    modifiedAt: facts.modifiedAt,
    encrypted: facts.encrypted,
    ...(facts.stored ? {stored: facts.stored} : {}),
    ...(facts.audio ? {audio: facts.audio} : {}),
    ...(facts.unreadable ? {unreadable: facts.unreadable} : {}),
    fields,
    ...(sidecar ? {sidecarKey: sidecar.key} : {}),
    ...(call ? {cdr: {ref: call.ref, uniqueId: call.uniqueId, dcontext: call.dcontext, userField: call.userField, accountCode: call.accountCode}} : {}),
    problems: facts.problems,
  }
}

/** The recording's own metadata, strongest source first (policy `sources`). */
function mergeFields(layers: Layer[]): SourcedFields {
  const merged: Record<string, unknown> = {}
  for (const layer of layers) {
    for (const [field, value] of Object.entries(layer.fields)) {
      if (value === undefined || field in merged) continue
      merged[field] = {value, source: layer.source, ref: layer.ref(field as keyof CallFields)}
    }
  }
  return merged as SourcedFields
}

/** The policy's `defaults:`, weakest of all: only for fields nothing else gave. */
function addDefaults(fields: SourcedFields, defaults: PartialFields): void {
  for (const [field, value] of Object.entries(defaults)) {
    if (value !== undefined && !(field in fields)) (fields as Record<string, unknown>)[field] = {value, source: 'policy', ref: `policy defaults.${field}`}
  }
}

/** S3 Object Lock as a hold: a legal hold (no end), or retention until its date; S3 refuses the deletion either way. */
function objectLockHold(stored: StoredObject | undefined): Sourced<LegalHold> | undefined {
  const lock = stored?.objectLock
  if (lock?.legalHold) return {value: {reason: 'S3 Object Lock legal hold'}, source: 'object-lock', ref: 'x-amz-object-lock-legal-hold'}
  if (lock?.retainUntil) {
    return {value: {reason: `S3 Object Lock ${lock.mode} retention`, until: lock.retainUntil.slice(0, 10)}, source: 'object-lock', ref: 'x-amz-object-lock-retain-until-date'}
  }
  return undefined
}
