import {GENESIS, hashEntry} from './canonical.js'
import type {JournalLine} from './file.js'
import type {JournalEntry} from './types.js'

export interface VerifyProblem {
  kind: 'altered' | 'removed' | 'inserted'
  /** The line the problem is seen at. */
  line: number
  message: string
}

export interface VerifyResult {
  entries: number
  firstSeq?: number
  lastSeq?: number
  /** Hash of the last entry: note it elsewhere, and a later rewrite of the whole file shows. */
  head?: string
  /** Entries up to this seq were pruned, as a checkpoint entry attests. */
  prunedThrough?: number
  /** A last line that is not an entry: an append cut short by a crash, never acknowledged; the next append cuts it off. */
  torn?: number
  problems: VerifyProblem[]
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
 * entry that the next one skips (the next one chains to the entry before it) was inserted.
 */
export async function verifyLines(lines: AsyncIterable<JournalLine>): Promise<VerifyResult> {
  const result: VerifyResult = {entries: 0, problems: []}
  const checkpoints: JournalEntry[] = []
  let first: Seen | undefined
  let before: Seen | undefined
  let last: Seen | undefined
  for await (const {line, text} of lines) {
    if (result.torn !== undefined) {
      result.problems.push({kind: 'altered', line: result.torn, message: `line ${result.torn} is not a journal entry: altered or inserted`})
      delete result.torn
    }
    let entry: JournalEntry
    try {
      entry = JSON.parse(text)
      if (typeof entry !== 'object' || entry === null || typeof entry.seq !== 'number') throw new Error('not an entry')
    } catch {
      result.torn = line
      continue
    }
    const seen: Seen = {entry, line, problemsFrom: result.problems.length}
    if (hashEntry(entry) !== entry.hash) {
      result.problems.push({kind: 'altered', line, message: `entry #${entry.seq} (line ${line}) was altered: its content no longer matches its hash`})
    }
    if (last && entry.prev !== last.entry.hash) {
      if (before && entry.prev === before.entry.hash) {
        result.problems.length = last.problemsFrom
        result.problems.push({kind: 'inserted', line: last.line, message: `line ${last.line} (#${last.entry.seq}) was inserted: entry #${entry.seq} (line ${line}) chains to #${before.entry.seq} (line ${before.line}) before it`})
        last = before
      } else if (entry.seq > last.entry.seq + 1) {
        const gone = entry.seq === last.entry.seq + 2 ? `entry #${last.entry.seq + 1} was` : `entries #${last.entry.seq + 1} to #${entry.seq - 1} were`
        result.problems.push({kind: 'removed', line, message: `${gone} removed between line ${last.line} and line ${line}`})
      } else {
        result.problems.push({kind: 'altered', line, message: `entry #${entry.seq} (line ${line}) does not chain to #${last.entry.seq} (line ${last.line}): one of them was altered`})
      }
    }
    if (entry.action === 'prune' && entry.details?.lastPrunedHash) checkpoints.push(entry)
    result.entries++
    first ??= seen
    before = last
    last = seen
  }
  if (first) {
    const start = first.entry
    const checkpoint = checkpoints.find((entry) => entry.details!.prunedThrough === start.seq - 1 && entry.details!.lastPrunedHash === start.prev)
    if (checkpoint) result.prunedThrough = start.seq - 1
    else if (start.seq !== 1 || start.prev !== GENESIS) {
      result.problems.push({kind: 'removed', line: first.line, message: `the journal starts at #${start.seq} (line ${first.line}) and no checkpoint accounts for the entries before it: removed`})
    }
    Object.assign(result, {firstSeq: start.seq, lastSeq: last!.entry.seq, head: last!.entry.hash})
  }
  result.problems.sort((a, b) => a.line - b.line)
  return result
}
