// Stand-in for the journal module (hash-chained, locked: branch purge) until it lands on main. Same signature as
// its openJournal: switch the import to '../journal/index.js' and delete this file. Appends one JSON line per
// event, with time and actor, fsynced, to .callrec/journal-interim.jsonl, so that no decrypt goes unrecorded.
import {mkdir, open} from 'node:fs/promises'
import {hostname, userInfo} from 'node:os'
import path from 'node:path'
import type {Archive} from '../archive.js'
import type {Journal, JournalEvent} from './types.js'

export async function openJournal(archive: Archive, options: {actor?: string} = {}): Promise<Journal> {
  const file = path.join(archive.root, '.callrec', 'journal-interim.jsonl')
  const actor = {user: userInfo().username, host: hostname(), ...(options.actor ? {name: options.actor} : {})}
  return {
    async append(event: JournalEvent) {
      await mkdir(path.dirname(file), {recursive: true, mode: 0o750})
      const handle = await open(file, 'a', 0o640)
      try {
        await handle.write(JSON.stringify({time: new Date().toISOString(), actor, ...event}) + '\n')
        await handle.sync()
      } finally {
        await handle.close()
      }
    },
  }
}
