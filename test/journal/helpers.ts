// Reading and editing a journal file the way someone with write access to it would.
import {readFileSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {canonicalJson, GENESIS, hashEntry} from '../../src/journal/canonical.ts'

export const journalFile = (dir: string) => path.join(dir, '.callrec/journal.jsonl')
export const headFile = (dir: string) => `${journalFile(dir)}.head`
export const lines = (dir: string) => readFileSync(journalFile(dir), 'utf8').trim().split('\n')
export const entries = (dir: string) => lines(dir).map((line) => JSON.parse(line))

/**
 * Renumbers, re-times and re-hashes `list` into a consistent chain after `after` (a forger's rewrite, or an
 * old journal made for a test): `time(i)` gives each entry's time, by default the one it had.
 */
export function rechain(list: any[], after: {seq: number; hash: string; time?: string} = {seq: 0, hash: GENESIS}, time?: (i: number) => string): any[] {
  let {seq, hash, time: prevTime} = after
  return list.map((original, i) => {
    const entry = {...original, seq: ++seq, prev: hash, time: time ? time(i) : original.time}
    delete entry.hash
    delete entry.prevTime
    if (prevTime) entry.prevTime = prevTime
    entry.hash = hash = hashEntry(entry)
    prevTime = entry.time
    return entry
  })
}

/** Writes entries as the journal and, unless told not to, a head file that matches them. */
export function writeJournal(dir: string, list: any[], options: {head?: boolean} = {}): void {
  writeFileSync(journalFile(dir), list.map((entry) => canonicalJson(entry) + '\n').join(''))
  const last = list.at(-1)
  if (options.head !== false && last) writeFileSync(headFile(dir), canonicalJson({seq: last.seq, hash: last.hash, time: last.time}) + '\n')
}
