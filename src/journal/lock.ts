import {randomBytes} from 'node:crypto'
import fs, {existsSync, readFileSync, readlinkSync} from 'node:fs'
import {mkdir, readdir, readFile, rmdir, stat, unlink} from 'node:fs/promises'
import path from 'node:path'
import {setTimeout as sleep} from 'node:timers/promises'
import lockfile from 'proper-lockfile'
import {CallrecError, EXIT} from '../errors.js'
import {hostName} from './actor.js'

// Locks are proper-lockfile's: `FILE.lock` is a folder made with mkdir (atomic on every filesystem, NFS
// included), its mtime refreshed every UPDATE_MS while held. Inside it, an owner file says who holds it:
// pid, host, boot, pid namespace and the process's start time. That is what decides when a lock may be
// taken over, not the mtime alone:
// - holder on this host (same boot, same pid namespace): taken over at once when its process is gone (or
//   the pid now belongs to a process that started at another time); never while it lives, however long it
//   blocks without refreshing the mtime;
// - holder elsewhere (another host on NFS, another container), or no owner file (a holder killed between
//   mkdir and writing it): taken over once the mtime is older than STALE_MS.
// proper-lockfile is told never to judge staleness itself (its rule is the mtime alone); it still refreshes
// the mtime and reports a lock taken away (onCompromised), and a holder also sees its owner file gone.
export const STALE_MS = 10_000
const UPDATE_MS = 2_000
/** What proper-lockfile is given as `stale`: it never removes a lock on its own. */
const NEVER_STALE = 2 ** 31 - 1

export interface Lock {
  release(): Promise<void>
  /** Set when the lock was taken away or could not be kept fresh: stop writing. */
  readonly compromised?: Error
}

/** Who holds a lock, as written in its owner file. */
export interface LockOwner {
  pid: number
  host: string
  /** Linux: /proc/sys/kernel/random/boot_id; a lock from an earlier boot has no living holder. */
  boot?: string
  /** Linux: the pid namespace (/proc/self/ns/pid); pids of another namespace cannot be checked from here. */
  pidNamespace?: string
  /** Linux: field 22 of /proc/PID/stat (clock ticks since boot), telling a reused pid from the holder. */
  startTime?: string
  since: string
}

/** The lock folder guarding `file`. */
export function lockPathOf(file: string): string {
  return `${file}.lock`
}

const OWNER = /^owner-[0-9a-f]+\.json$/

const readProc = (file: string, read: (file: string) => string) => {
  try {
    return read(file).trim()
  } catch {
    return undefined
  }
}

/** Fields 3 (state) and 22 (start time) of /proc/PID/stat, counted after the command name (which may hold spaces and parentheses). */
function processStat(pid: number): {state: string; startTime: string} | undefined {
  const line = readProc(`/proc/${pid}/stat`, (file) => readFileSync(file, 'latin1'))
  const fields = line?.slice(line.lastIndexOf(')') + 2).split(' ')
  return fields && {state: fields[0], startTime: fields[19]}
}

export const processStartTime = (pid: number) => processStat(pid)?.startTime

const boot = readProc('/proc/sys/kernel/random/boot_id', (file) => readFileSync(file, 'latin1'))
const pidNamespace = readProc('/proc/self/ns/pid', readlinkSync)

export function ownerRecord(): LockOwner {
  return {pid: process.pid, host: hostName(), boot, pidNamespace, startTime: processStartTime(process.pid), since: new Date().toISOString()}
}

/** Whether the owner's pids can be checked from here: same host, same boot, same pid namespace. */
const local = (owner: LockOwner) => owner.host === hostName() && owner.boot === boot && owner.pidNamespace === pidNamespace

/** A holder that provably holds nothing: a process of this host (same boot, same pid namespace) that is gone. */
export const goneHere = (owner: LockOwner) => local(owner) && !alive(owner)

function alive(owner: LockOwner): boolean {
  try {
    process.kill(owner.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false
  }
  const stat = processStat(owner.pid)
  // A zombie (killed, not yet reaped by its parent) holds nothing.
  if (stat && (stat.state === 'Z' || stat.state === 'X')) return false
  // A start time that cannot be read (/proc mounted with hidepid) cannot prove the pid was reused: alive.
  return owner.startTime === undefined || stat === undefined || stat.startTime === owner.startTime
}

/** The owner file, or undefined while it is being written (or was left half-written by a kill): then the mtime decides. */
async function readOwner(file: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(file, 'utf8')) as LockOwner
  } catch {
    return undefined
  }
}

type Holder = {state: 'free'} | {state: 'held'} | {state: 'dead'; ownerFile?: string}

/** Who holds the lock folder now, and whether that holder is gone. */
async function assess(lockDir: string): Promise<Holder> {
  let names: string[]
  try {
    names = await readdir(lockDir)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {state: 'free'}
    throw error
  }
  const ownerFile = names.find((name) => OWNER.test(name))
  const owner = ownerFile ? await readOwner(path.join(lockDir, ownerFile)) : undefined
  if (owner && local(owner)) return alive(owner) ? {state: 'held'} : {state: 'dead', ownerFile}
  const info = await stat(lockDir).catch(() => undefined)
  if (!info) return {state: 'free'}
  return info.mtimeMs < Date.now() - STALE_MS ? {state: 'dead', ownerFile} : {state: 'held'}
}

/**
 * Removes a lock whose holder is gone. Its owner file goes first, by its own name: if another run took
 * the lock over meanwhile, that name is gone and nothing of the new holder's is touched; and rmdir never
 * removes a folder that holds a new owner file.
 */
async function removeDead(lockDir: string, ownerFile: string | undefined): Promise<void> {
  const gone = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT' && error.code !== 'ENOTEMPTY' && error.code !== 'EEXIST') throw error
    return false
  }
  if (ownerFile && !(await unlink(path.join(lockDir, ownerFile)).then(() => true, gone))) return
  await rmdir(lockDir).catch(gone)
}

class HeldLock implements Lock {
  private lost?: Error
  private released = false
  releaseFolder: () => Promise<void> = async () => {}

  constructor(readonly ownerFile: string) {}

  lose(error: Error): void {
    this.lost ??= error
  }

  /** Checked whenever asked (before each batch of deletions): our owner file gone means the lock was taken over. */
  get compromised(): Error | undefined {
    if (!this.lost && !this.released && !existsSync(this.ownerFile)) this.lost = new Error(`${path.dirname(this.ownerFile)} was taken over by another run`)
    return this.lost
  }

  async release(): Promise<void> {
    if (this.released) return
    const lost = this.compromised
    this.released = true
    if (lost) return
    await unlink(this.ownerFile).catch(() => undefined)
    await this.releaseFolder().catch((error) => (this.lost ? undefined : Promise.reject(error)))
  }
}

/** mkdir the lock folder and write the owner file in it, as one step for proper-lockfile (before it reads the folder's mtime). */
function withOwner(lockDir: string, ownerFile: string): typeof fs {
  const mkdirWithOwner = (target: string, callback: (error: NodeJS.ErrnoException | null) => void) =>
    fs.mkdir(target, (error) => {
      if (error || target !== lockDir) return callback(error)
      fs.writeFile(ownerFile, JSON.stringify(ownerRecord()) + '\n', {flag: 'wx', mode: 0o640}, (error) => {
        // rmdir, not rm -r: if a takeover removed our folder meanwhile, the one there now is another run's.
        if (error) fs.rmdir(lockDir, () => callback(error))
        else callback(null)
      })
    })
  return {...fs, mkdir: mkdirWithOwner} as unknown as typeof fs
}

async function acquire(file: string): Promise<Lock> {
  const lockDir = lockPathOf(file)
  const lock = new HeldLock(path.join(lockDir, `owner-${randomBytes(8).toString('hex')}.json`))
  lock.releaseFolder = await lockfile.lock(file, {
    realpath: false,
    stale: NEVER_STALE,
    update: UPDATE_MS,
    retries: 0,
    fs: withOwner(lockDir, lock.ownerFile),
    onCompromised: (error) => lock.lose(error),
  })
  return lock
}

const lockedError = (file: string) => Object.assign(new Error(`${lockPathOf(file)} is held`), {code: 'ELOCKED'})

/** One attempt: the lock, or ELOCKED when a living holder has it. A lock whose holder is gone is taken over. */
async function attempt(file: string): Promise<Lock> {
  const lockDir = lockPathOf(file)
  const holder = await assess(lockDir)
  if (holder.state === 'held') throw lockedError(file)
  if (holder.state === 'dead') await removeDead(lockDir, holder.ownerFile)
  try {
    return await acquire(file)
  } catch (error) {
    // EEXIST/ELOCKED: another run was quicker; ENOENT: its takeover removed our folder before the owner file was written.
    if (['ELOCKED', 'EEXIST', 'ENOENT'].includes((error as NodeJS.ErrnoException).code ?? '')) throw lockedError(file)
    throw error
  }
}

async function take(file: string, retries: number): Promise<Lock> {
  await mkdir(path.dirname(file), {recursive: true, mode: 0o750})
  for (let tried = 0; ; tried++) {
    try {
      return await attempt(file)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ELOCKED' || tried >= retries) throw error
      await sleep(Math.min(500, 10 * 1.5 ** tried))
    }
  }
}

/** For short critical sections (an append, a holds update): waits, long enough to outlast a dead foreign holder's lock. */
export function waitLock(file: string): Promise<Lock> {
  return take(file, 40)
}

/** For a whole run (purge): a second run does not wait, it exits with EXIT.locked and says why. */
export async function tryLock(file: string, what: string): Promise<Lock> {
  try {
    return await take(file, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ELOCKED') throw error
    throw new CallrecError(`${what} is locked by another callrec run (${lockPathOf(file)}): try again when it ends`, EXIT.locked)
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
