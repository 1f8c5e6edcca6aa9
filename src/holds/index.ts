import path from 'node:path'
import picomatch from 'picomatch'
import {z} from 'zod'
import type {Archive} from '../archive.js'
import {CallrecError, errorMessage} from '../errors.js'
import {currentActor, type Actor} from '../journal/actor.js'
import type {FileJournal} from '../journal/file.js'
import {numberHasher, type NumberHasher} from '../journal/hmac.js'
import type {JournalEvent} from '../journal/types.js'
import type {LegalHold, Sourced, SourcedFields} from '../model.js'
import {bareUniqueId} from '../probe/asterisk-id.js'
import {stateOf, type ArchiveState} from '../state/index.js'
import type {Store} from '../store/types.js'
import {resolveKey} from './canonical.js'

// Legal holds live in one JSON file beside the journal, not in the recordings: they cover any store and
// any number of recordings, and a recording is held from the moment the file is renamed into place.
const matchSchema = z.union([
  z.strictObject({key: z.string().min(1)}),
  z.strictObject({glob: z.string().min(1)}),
  /** The keyed HMAC of the number in E.164, never the number (see journal/hmac.ts). */
  z.strictObject({caller: z.string().regex(/^[0-9a-f]{64}$/)}),
  z.strictObject({callId: z.string().min(1)}),
])
const holdSchema = z.strictObject({
  id: z.number().int().positive(),
  match: matchSchema,
  reason: z.string().min(1),
  since: z.string(),
  until: z.string().optional(),
  by: z.strictObject({user: z.string(), host: z.string(), name: z.string().optional()}),
})
/** `lastId`: the highest id ever given, so that a released hold's id is never given again (the journal names holds by id). */
const fileSchema = z.strictObject({lastId: z.number().int().nonnegative().optional(), holds: z.array(holdSchema)})

export type Hold = z.infer<typeof holdSchema>
export type HoldMatch = z.infer<typeof matchSchema>

/** What a hold can match a recording by. */
export interface HoldFacts {
  key: string
  callId?: string
  caller?: string
  callee?: string
}

/**
 * The two forms of one recording, `x.wav` and its encrypted `x.wav.age`, are held together; keys compare
 * without case, so that a hold typed in another case on a case-insensitive filesystem still holds (on a
 * case-sensitive one it holds both spellings: more is kept, never less).
 */
const bareKey = (key: string) => key.replace(/\.age$/i, '').toLowerCase()

/** The holds of an archive, loaded once per run, and what they match. */
export class HoldIndex {
  private readonly globs: {hold: Hold; test: (key: string) => boolean}[]
  private readonly keys: Map<Hold, string[]>

  /** `aliases`: other spellings of a hold's key or glob, the real paths of those written through a symlink. */
  constructor(
    readonly file: string,
    readonly holds: Hold[],
    private readonly hasher?: NumberHasher,
    aliases: Map<Hold, string[]> = new Map(),
  ) {
    const spellings = (hold: Hold, typed: string) => [typed, ...(aliases.get(hold) ?? [])]
    this.globs = holds.flatMap((hold) => ('glob' in hold.match ? [{hold, test: picomatch(spellings(hold, hold.match.glob), {dot: true, nocase: true})}] : []))
    this.keys = new Map(holds.flatMap((hold) => ('key' in hold.match ? [[hold, spellings(hold, hold.match.key).map(bareKey)]] : [])))
  }

  matching(facts: HoldFacts): Hold[] {
    const key = bareKey(facts.key)
    const numbers = this.hasher && [facts.caller, facts.callee].flatMap((number) => (number ? [this.hasher!(number)] : []))
    const callId = facts.callId && bareUniqueId(facts.callId)
    return this.holds.filter((hold) => {
      const match = hold.match
      if ('key' in match) return this.keys.get(hold)!.includes(key)
      if ('glob' in match) return this.globs.some((glob) => glob.hold === hold && (glob.test(facts.key) || glob.test(facts.key.replace(/\.age$/i, ''))))
      if ('callId' in match) return callId !== undefined && bareUniqueId(match.callId) === callId
      return numbers?.includes(match.caller) ?? false
    })
  }

  /**
   * The recording's legal hold once the holds file is heard: the strongest of the file's holds and of what
   * the other sources said (a hold without end beats one with an end, a later end an earlier one), so a
   * file hold that ended never lifts a hold still written in a sidecar. Undefined when no file hold matches.
   */
  legalHold(facts: HoldFacts, fields: SourcedFields): Sourced<LegalHold> | undefined {
    const candidates: Sourced<LegalHold>[] = this.matching(facts).map((hold) => ({
      value: {reason: hold.reason, since: hold.since.slice(0, 10), ...(hold.until ? {until: hold.until} : {})},
      source: 'holds',
      ref: `${path.basename(this.file)}#${hold.id}`,
    }))
    if (candidates.length === 0) return undefined
    if (fields.legalHold) candidates.push(fields.legalHold)
    return candidates.reduce((best, next) => (endOf(next.value) > endOf(best.value) ? next : best))
  }
}

const endOf = (hold: LegalHold) => hold.until ?? '9999-12-31'

export interface HoldsFileState {
  holds: Hold[]
  /** The highest id ever given (released holds included). */
  lastId: number
  /** Identity of the file as read, to tell cheaply whether it changed since. */
  version: string
}

/** Reads the holds file (none yet: no holds); the HMAC key is read only when a hold names a caller. */
export async function loadHolds(archive: Archive): Promise<HoldIndex> {
  const state = await stateOf(archive)
  const {holds} = await readHolds(state)
  const hasher = holds.some((hold) => 'caller' in hold.match) ? await numberHasher(archive, {create: false}) : undefined
  if (holds.some((hold) => 'caller' in hold.match) && !hasher) throw new CallrecError(`${state.holdsName}: holds name callers but the HMAC key of caller numbers is missing (${state.hmacKeyName})`)
  return new HoldIndex(state.holdsName, holds, hasher, await aliasesOf(archive, holds))
}

/**
 * The real spelling of each key and glob hold whose typed one differs (written through a symlink, or in
 * another case, by an older callrec or by hand): the hold then covers both, so it keeps what it was meant to.
 */
async function aliasesOf(archive: Archive, holds: Hold[]): Promise<Map<Hold, string[]>> {
  const aliases = new Map<Hold, string[]>()
  for (const hold of holds) {
    const typed = 'key' in hold.match ? hold.match.key : 'glob' in hold.match ? hold.match.glob : undefined
    if (typed === undefined) continue
    const real = await canonicalSpelling(archive.store, typed, 'key' in hold.match).catch(() => undefined)
    if (real?.spelling && real.spelling !== typed) aliases.set(hold, [real.spelling])
  }
  return aliases
}

/** A glob's folder part, resolved as a key is; the pattern after it kept as typed. */
async function canonicalSpelling(store: Store, typed: string, isKey: boolean): Promise<{spelling?: string; symlink?: string} | undefined> {
  if (isKey) {
    const resolved = await resolveKey(store, typed)
    return resolved && {spelling: resolved.key, symlink: resolved.symlink}
  }
  const {base, glob} = picomatch.scan(typed)
  if (base === '') return undefined
  const resolved = await resolveKey(store, base)
  if (!resolved) return undefined
  const escaped = resolved.key?.replace(/[*?[\]{}()!+@\\]/g, '\\$&')
  return {spelling: escaped === undefined ? undefined : glob ? `${escaped}/${glob}` : escaped, symlink: resolved.symlink}
}

/**
 * The match as stored: a key or a glob's folder by its real path relative to the root. Refused when typed
 * through a symlink (the hold would name one thing and protect another) or leading out of the root.
 */
export async function canonicalMatch(archive: Archive, match: HoldMatch): Promise<HoldMatch> {
  const isKey = 'key' in match
  const typed = isKey ? match.key : 'glob' in match ? match.glob : undefined
  if (typed === undefined) return match
  let real = await canonicalSpelling(archive.store, typed, isKey)
  // A recording kept only in its encrypted form: `x.wav` names `x.wav.age`.
  if (isKey && real?.spelling === typed && !(await archive.store.exists(typed))) {
    const encrypted = await canonicalSpelling(archive.store, `${typed}.age`, true)
    if (encrypted?.spelling) real = {spelling: encrypted.spelling.replace(/\.age$/i, ''), symlink: encrypted.symlink}
  }
  if (!real) return match
  const what = isKey ? typed : `--glob ${typed}`
  if (real.spelling === undefined) throw new CallrecError(`${what}: leads out of the archive root, or nowhere (through the symlink ${real.symlink})`)
  if (real.symlink) throw new CallrecError(`${what}: ${real.symlink} is a symlink; holds name recordings by their real path: ${real.spelling}`)
  return isKey ? {key: real.spelling} : {glob: real.spelling}
}

/** The holds file of `state`, validated; none yet: no holds. */
export async function readHolds(state: ArchiveState): Promise<HoldsFileState> {
  const {text, version} = await state.readHolds()
  if (text === undefined) return {holds: [], lastId: 0, version}
  const file = state.holdsName
  let parsed
  try {
    parsed = fileSchema.safeParse(JSON.parse(text))
  } catch (error) {
    throw new CallrecError(`${file}: the holds file is not valid JSON (${(error as Error).message})`)
  }
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    throw new CallrecError(`${file}: ${issue.path.join('.') || 'holds file'}: ${issue.message}`)
  }
  const {holds, lastId = 0} = parsed.data
  return {holds, lastId: Math.max(lastId, ...holds.map((hold) => hold.id)), version}
}

/**
 * Changes the holds file under its lock: read, change, journal, write through a temp file and rename. The
 * journal entries come first and are durable before the file changes (a journal that cannot take them, full
 * or damaged, leaves the holds as they were); a file that cannot be written then gets an entry undoing them.
 * A purge takes the same lock around each batch of deletions, so a hold added now is seen before the next deletion.
 */
export async function updateHolds<T>(archive: Archive, change: (holds: Hold[], lastId: number) => T, record: {journal: FileJournal; events(result: T): JournalEvent[]}): Promise<T> {
  const state = await stateOf(archive)
  return state.withLock('holds', async () => {
    const {holds, lastId} = await readHolds(state)
    const result = change(holds, lastId)
    const entries = await record.journal.appendAll(record.events(result))
    // lastId: hold ids are never reused, even after a release removed the highest one.
    const contents = {lastId: Math.max(lastId, ...holds.map((hold) => hold.id)), holds}
    try {
      await state.writeHolds(Buffer.from(JSON.stringify(contents, null, 2) + '\n'))
    } catch (error) {
      const why = `holds file not written (${errorMessage(error)})`
      const undo = entries.map(({action, command, keys, reason, details, seq}) => ({action, command, keys, reason, outcome: 'failed' as const, details: {...details, undoes: seq, why}}))
      await record.journal.appendAll(undo).catch(() => {})
      throw error
    }
    return result
  })
}

/** A new hold, numbered after the highest id ever given: a released hold's id is not given again. */
export function newHold(holds: Hold[], match: HoldMatch, reason: string, until: string | undefined, actor: Actor = currentActor(), lastId = 0): Hold {
  const id = Math.max(lastId, ...holds.map((hold) => hold.id)) + 1
  return {id, match, reason, since: new Date().toISOString(), ...(until ? {until} : {}), by: actor}
}
