import {DateTime} from 'luxon'
import type {Hold} from '../holds/index.js'
import {GENESIS, hashEntry} from './canonical.js'
import {formatHead, type Damage, type Head, type JournalLine} from './file.js'
import {checkpointStatement, verifySshSignature, type SigningPublicKey} from './sshsig.js'
import type {JournalEntry} from './types.js'

/** No prune may remove entries younger than this (CNIL délibération 2021-122: traces kept 6 to 12 months). */
export const PRUNE_FLOOR = {months: 6}
/** How far in the future a checkpoint's time may be (clocks of several hosts). */
export const CLOCK_SLACK_MS = 60_000

export type ProblemKind = 'altered' | 'removed' | 'inserted' | 'damaged' | 'truncated' | 'forged' | 'holds' | 'forked'

export interface VerifyProblem {
  kind: ProblemKind
  /** The line the problem is seen at (0: the journal as a whole). */
  line: number
  message: string
}

export interface VerifyResult {
  entries: number
  firstSeq?: number
  lastSeq?: number
  /** The last entry, `seq:hash`: note it elsewhere (certificates carry it), and any later rewrite shows. */
  head?: string
  /** Entries up to this seq were pruned, as a checkpoint entry attests. */
  prunedThrough?: number
  /** The head file beside the journal, as read. */
  headFile?: string
  /** Pinned heads (--head) and what became of each. */
  pins: {head: string; found: 'yes' | 'pruned'}[]
  /** Signed checkpoints: their seq, and whether a key given with --pubkey signed them. */
  checkpoints: {seq: number; covers: string; verified?: boolean}[]
  problems: VerifyProblem[]
}

export interface VerifyOptions {
  now: Date
  /** The head file's content; 'missing' when there is none. */
  headFile?: Head | 'missing'
  /** A damaged tail (see file.ts), reported as a problem. */
  damage?: Damage
  /** Heads noted earlier (certificates, monitoring): the journal must still extend each. */
  pins?: Head[]
  /** Keys whose signed checkpoints must verify; at least one checkpoint must be signed by one of them. */
  pubkeys?: SigningPublicKey[]
  /** The holds file's holds: each must have its `hold` entry, and no hold journaled as active may be missing. */
  holds?: Hold[]
}

interface Seen {
  entry: JournalEntry
  line: number
  /** Where this entry's own problems start in the list, to take them back if it turns out to be inserted. */
  problemsFrom: number
}

/**
 * Checks every entry's hash and every link of the chain, and names what broke it: an entry whose content
 * no longer matches its hash was altered; a gap in the numbering where the link breaks is a removal; an
 * entry that the next one skips (the next one chains to the entry before it) was inserted. Then what only
 * something kept apart can tell: the head file, pinned heads, signed checkpoints, the holds file.
 */
export async function verifyLines(lines: AsyncIterable<JournalLine>, options: VerifyOptions): Promise<VerifyResult> {
  const result: VerifyResult = {entries: 0, pins: [], checkpoints: [], problems: []}
  const problem = (kind: ProblemKind, line: number, message: string) => result.problems.push({kind, line, message})
  const prunes: {entry: JournalEntry; line: number}[] = []
  const pins = [...(options.pins ?? []), ...(options.headFile && options.headFile !== 'missing' ? [options.headFile] : [])]
  const found = new Map<Head, boolean>()
  const activeHolds = new Map<number, number>()
  let bad: number | undefined
  let first: Seen | undefined
  let before: Seen | undefined
  let last: Seen | undefined
  for await (const {line, text} of lines) {
    if (bad !== undefined) problem('altered', bad, `line ${bad} is not a journal entry: altered or inserted`)
    bad = undefined
    let entry: JournalEntry
    try {
      entry = JSON.parse(text)
      if (typeof entry !== 'object' || entry === null || typeof entry.seq !== 'number') throw new Error('not an entry')
    } catch {
      bad = line
      continue
    }
    const seen: Seen = {entry, line, problemsFrom: result.problems.length}
    if (hashEntry(entry) !== entry.hash) problem('altered', line, `entry #${entry.seq} (line ${line}) was altered: its content no longer matches its hash`)
    if (last && entry.prev !== last.entry.hash) {
      if (before && entry.prev === before.entry.hash) {
        result.problems.length = last.problemsFrom
        problem('inserted', last.line, `line ${last.line} (#${last.entry.seq}) was inserted: entry #${entry.seq} (line ${line}) chains to #${before.entry.seq} (line ${before.line}) before it`)
        last = before
      } else if (entry.seq > last.entry.seq + 1) {
        const gone = entry.seq === last.entry.seq + 2 ? `entry #${last.entry.seq + 1} was` : `entries #${last.entry.seq + 1} to #${entry.seq - 1} were`
        problem('removed', line, `${gone} removed between line ${last.line} and line ${line}`)
      } else {
        problem('altered', line, `entry #${entry.seq} (line ${line}) does not chain to #${last.entry.seq} (line ${last.line}): one of them was altered`)
      }
    } else if (last && entry.prevTime !== undefined && (entry.prevTime !== last.entry.time || entry.time < entry.prevTime)) {
      problem('altered', line, `entry #${entry.seq} (line ${line}) is out of time order with #${last.entry.seq}`)
    }
    for (const pin of pins) if (pin.seq === entry.seq) found.set(pin, pin.hash === entry.hash)
    if (entry.action === 'prune' && entry.details?.lastPrunedHash) prunes.push({entry, line})
    if (entry.action === 'checkpoint') checkCheckpoint(entry, line, options, result)
    trackHolds(entry, activeHolds)
    result.entries++
    first ??= seen
    before = last
    last = seen
  }
  if (bad !== undefined && !options.damage) problem('damaged', bad, `line ${bad} is not a journal entry: callrec access-log repair moves it aside`)
  if (options.damage) problem('damaged', (last?.line ?? 0) + 1, `the journal is damaged after its last entry (${options.damage.why}, ${options.damage.bytes} bytes at byte ${options.damage.offset}): appends refuse until callrec access-log repair`)

  for (const {entry, line} of prunes) checkPrune(entry, line, options.now, problem)
  if (first) {
    const start = first.entry
    const prune = prunes.find(({entry}) => entry.details!.prunedThrough === start.seq - 1 && entry.details!.lastPrunedHash === start.prev)
    if (prune) {
      result.prunedThrough = start.seq - 1
      const olderThan = String(prune.entry.details!.olderThan)
      if (start.prevTime !== undefined && !(start.prevTime < olderThan)) {
        problem('forged', prune.line, `the prune checkpoint #${prune.entry.seq} (line ${prune.line}) claims entries older than ${olderThan} were removed, but the last removed one was written at ${start.prevTime} (entry #${start.seq} says so): entries were removed and the checkpoint forged`)
      }
    } else if (start.seq !== 1 || start.prev !== GENESIS) {
      problem('removed', first.line, `the journal starts at #${start.seq} (line ${first.line}) and no checkpoint accounts for the entries before it: removed`)
    }
    Object.assign(result, {firstSeq: start.seq, lastSeq: last!.entry.seq, head: formatHead(last!.entry)})
  }
  checkPins(options, found, first?.entry.prev, result, problem)
  if (options.pubkeys && !result.checkpoints.some((checkpoint) => checkpoint.verified)) {
    problem('forged', 0, `no checkpoint in the journal is signed by the key given with --pubkey (callrec access-log checkpoint --sign makes one)`)
  }
  const lastPrune = prunes.at(-1)?.entry.details?.olderThan as string | undefined
  if (options.holds) checkHolds(options.holds, activeHolds, result.prunedThrough === undefined ? undefined : lastPrune, problem)
  result.problems.sort((a, b) => a.line - b.line)
  return result
}

/** A prune's checkpoint may not claim a cutoff within the legal floor of its own time, nor be dated in the future. */
function checkPrune(entry: JournalEntry, line: number, now: Date, problem: (kind: ProblemKind, line: number, message: string) => void): void {
  const olderThan = DateTime.fromISO(String(entry.details!.olderThan), {zone: 'utc'})
  const latest = DateTime.fromISO(entry.time, {zone: 'utc'}).minus(PRUNE_FLOOR)
  if (!olderThan.isValid || olderThan > latest.plus(CLOCK_SLACK_MS)) {
    problem('forged', line, `the prune checkpoint #${entry.seq} (line ${line}) removed entries newer than ${latest.toISO()} (olderThan ${entry.details!.olderThan}, 6 months before its own time at the most): not a prune callrec makes`)
  }
  if (Date.parse(entry.time) > now.getTime() + CLOCK_SLACK_MS) problem('forged', line, `the prune checkpoint #${entry.seq} (line ${line}) is dated in the future (${entry.time})`)
}

/** A signed checkpoint covers the entry just before it: its statement names that entry's seq and hash. */
function checkCheckpoint(entry: JournalEntry, line: number, options: VerifyOptions, result: VerifyResult): void {
  const details = entry.details ?? {}
  const covers = {seq: entry.seq - 1, hash: entry.prev}
  const checkpoint: VerifyResult['checkpoints'][number] = {seq: entry.seq, covers: formatHead(covers)}
  result.checkpoints.push(checkpoint)
  const statement = checkpointStatement(covers, String(details.signedAt))
  if (details.statement !== statement) {
    result.problems.push({kind: 'forged', line, message: `checkpoint #${entry.seq} (line ${line}) does not sign the entry before it (${formatHead(covers)})`})
    return
  }
  if (!options.pubkeys) return
  checkpoint.verified = options.pubkeys.some((key) => verifySshSignature(Buffer.from(statement), String(details.signature), key))
  if (!checkpoint.verified) result.problems.push({kind: 'forged', line, message: `checkpoint #${entry.seq} (line ${line}): its signature does not verify with the key given with --pubkey`})
}

function checkPins(options: VerifyOptions, found: Map<Head, boolean>, firstPrev: string | undefined, result: VerifyResult, problem: (kind: ProblemKind, line: number, message: string) => void): void {
  const lastSeq = result.lastSeq ?? 0
  const check = (pin: Head, what: string): 'yes' | 'pruned' | undefined => {
    if (pin.seq === 0 && pin.hash === GENESIS) return 'yes'
    const match = found.get(pin)
    if (match === true) return 'yes'
    if (match === false) problem('altered', 0, `${what} ${formatHead(pin)}: the journal's entry #${pin.seq} has another hash: rewritten since`)
    else if (pin.seq > lastSeq) problem('truncated', 0, `${what} ${formatHead(pin)}: the journal ends at #${lastSeq}: entries were removed from its end${result.entries === 0 ? ' (it is empty or gone)' : ''}`)
    else if (pin.seq === result.prunedThrough) {
      // The last pruned entry: the first entry kept still names its hash.
      if (pin.hash === firstPrev) return 'yes'
      problem('altered', 0, `${what} ${formatHead(pin)}: the journal's last pruned entry #${pin.seq} had another hash: rewritten since`)
    } else if (result.prunedThrough !== undefined && pin.seq < result.prunedThrough) return 'pruned'
    return undefined
  }
  for (const pin of options.pins ?? []) {
    const outcome = check(pin, 'pinned head')
    if (outcome) result.pins.push({head: formatHead(pin), found: outcome})
  }
  if (options.headFile === 'missing') {
    if (result.entries > 0) problem('truncated', 0, `the head file beside the journal is missing: deleted, or the journal was never written by this callrec version (any journaled command writes it again)`)
  } else if (options.headFile) {
    result.headFile = formatHead(options.headFile)
    check(options.headFile, 'the head file says')
  }
}

/** Which holds the journal says are in force: `hold` entries less `release` entries, by hold id. */
function trackHolds(entry: JournalEntry, active: Map<number, number>): void {
  const id = entry.details?.hold
  if (typeof id !== 'number' || (entry.action !== 'hold' && entry.action !== 'release')) return
  // An entry with outcome "failed" undoes one whose holds file could not be written.
  const holds = (entry.action === 'hold') === (entry.outcome === 'ok')
  if (entry.outcome !== 'ok' && entry.details?.undoes === undefined) return
  if (holds) active.set(id, entry.seq)
  else active.delete(id)
}

/**
 * The holds file against the journal: a hold in the file without its entry was added behind the journal's
 * back (unless its entry was pruned); a hold the journal says is in force but the file lacks was removed
 * without a release entry.
 */
function checkHolds(holds: Hold[], active: Map<number, number>, prunedBefore: string | undefined, problem: (kind: ProblemKind, line: number, message: string) => void): void {
  for (const hold of holds) {
    if (active.has(hold.id)) continue
    if (prunedBefore !== undefined && hold.since < prunedBefore) continue // its entry went with a prune
    problem('holds', 0, `hold #${hold.id} in the holds file has no journal entry: added without one, or its entry was removed`)
  }
  const inFile = new Set(holds.map((hold) => hold.id))
  for (const [id, seq] of active) if (!inFile.has(id)) problem('holds', 0, `hold #${id} (journal entry #${seq}) is not in the holds file and no release entry says it ended: removed behind the journal's back`)
}
