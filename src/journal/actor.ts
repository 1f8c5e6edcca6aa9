import {hostname, userInfo} from 'node:os'
import type {JournalEntry} from './types.js'

export type Actor = JournalEntry['actor']

/** This host's name: CALLREC_HOST when set (containers whose hostname changes at each start), else the OS's. */
export function hostName(): string {
  return process.env.CALLREC_HOST || hostname()
}

/** Who acts: the OS user and host, and the person named with --actor (a shared service account says little). */
export function currentActor(name?: string): Actor {
  let user: string
  try {
    user = userInfo().username
  } catch {
    // A container user with no passwd entry.
    user = process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`
  }
  return {user, host: hostName(), ...(name ? {name} : {})}
}
