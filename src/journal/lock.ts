import {mkdir} from 'node:fs/promises'
import path from 'node:path'
import lockfile from 'proper-lockfile'
import {CallrecError, EXIT} from '../errors.js'

// Locks are proper-lockfile's: `FILE.lock` is a folder made with mkdir (atomic on every filesystem, NFS
// included), its mtime refreshed while held. A holder that died (SIGKILL, reboot) leaves it behind; it is
// stale, and taken over, once its mtime is older than STALE_MS.
export const STALE_MS = 10_000

export interface Lock {
  release(): Promise<void>
  /** Set when the lock could not be kept fresh (a stalled disk, a clock jump): stop writing. */
  compromised?: Error
}

/** The lock folder guarding `file`. */
export function lockPathOf(file: string): string {
  return `${file}.lock`
}

async function take(file: string, retries: number | {retries: number; minTimeout: number; maxTimeout: number; factor: number}): Promise<Lock> {
  await mkdir(path.dirname(file), {recursive: true, mode: 0o750})
  const lock: Lock = {release: async () => {}}
  const release = await lockfile.lock(file, {
    realpath: false,
    stale: STALE_MS,
    retries,
    onCompromised: (error) => {
      lock.compromised = error
    },
  })
  lock.release = () => release().catch((error) => (lock.compromised ? undefined : Promise.reject(error)))
  return lock
}

/** For short critical sections (an append, a holds update): waits, long enough to outlast a dead holder's lock. */
export function waitLock(file: string): Promise<Lock> {
  return take(file, {retries: 40, minTimeout: 10, maxTimeout: 500, factor: 1.5})
}

/** For a whole run (purge): a second run does not wait, it exits with EXIT.locked and says why. */
export async function tryLock(file: string, what: string): Promise<Lock> {
  try {
    return await take(file, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
    throw new CallrecError(
      `${what} is locked by another callrec run (${lockPathOf(file)}): try again when it ends; a lock left by a killed run expires after ${STALE_MS / 1000} s`,
      EXIT.locked,
    )
  }
}

/** Runs `fn` holding the lock of `file`, waiting for it if needed. */
export async function withLock<T>(file: string, fn: (lock: Lock) => Promise<T>): Promise<T> {
  const lock = await waitLock(file)
  try {
    return await fn(lock)
  } finally {
    await lock.release()
  }
}
