import {randomBytes} from 'node:crypto'
import {setTimeout as sleep} from 'node:timers/promises'
import {errorMessage} from '../errors.js'
import {hostName} from '../journal/actor.js'
import {goneHere, ownerRecord, type Lock, type LockOwner} from '../journal/lock.js'
import type {S3Store} from '../store/s3.js'

// A lock in a bucket, shared by every host, correct whether or not the server honours conditional writes.
//
// A lone lock object created with If-None-Match: * is a lock only where the server refuses the second
// create (AWS S3; Ceph RGW 16 on an unversioned bucket only); where it silently overwrites (s3rver, RGW on a
// versioned or Object Lock bucket) two hosts both "create" it. Nor is "write a uniquely named object, list,
// the lowest name wins" enough: a contender that listed before another's write may pick a lower name after it
// and win too. So this is Lamport's bakery over a listing, which needs only that a LIST sees every PUT that
// returned before it (strong read-after-write consistency: AWS S3 since 2020, Ceph RGW, s3rver):
//   1. PUT `c-ID` (choosing), LIST: my ticket is one more than the highest ticket listed;
//   2. PUT `t-TICKET-ID`, DELETE `c-ID`;
//   3. LIST until no other contender is choosing; the lowest live ticket holds the lock.
// Two contenders that took the same ticket did not see each other's ticket, so each was choosing when the
// other listed in step 3: both wait, then (ticket, ID) decides. Every object is created with
// If-None-Match: * (IDs are unique, so that refuses nothing but a collision) and names its owner (host, pid,
// boot, start time). A holder re-PUTs its ticket every HEARTBEAT_MS; a ticket or choosing marker whose
// LastModified is older than STALE_MS by the server's clock (the newest LastModified in the same listing, so
// the hosts' clocks do not matter) belongs to a dead holder and is deleted, as is at once one whose process
// on this very host is gone. A holder that finds its ticket gone (it stalled past STALE_MS and was taken
// over) or cannot refresh it for STALE_MS marks the lock compromised: a purge stops before its next batch.
export const STALE_MS = 30_000
const HEARTBEAT_MS = 5_000
/** How long a short lock (journal append, holds update) waits: long enough to outlast a dead holder's ticket. */
const WAIT_MS = STALE_MS + 15_000

interface Listed {
  name: string
  modifiedAt: Date
}

/** This process's contender id: when, where, which process, and a random part. Sorts by time first. */
export function writerId(): string {
  const host = hostName().replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 64) || 'host'
  return `${new Date().toISOString().replaceAll(/[-:]/g, '').replace('.', '')}-${host}-${process.pid}-${randomBytes(4).toString('hex')}`
}

export class LockedError extends Error {
  readonly code = 'ELOCKED'
  constructor(
    readonly where: string,
    readonly holder?: LockOwner,
  ) {
    super(`${where} is held${holder ? ` by pid ${holder.pid} on ${holder.host} since ${holder.since}` : ''}`)
  }
}

/** Exported for its test; bakeryLock() is the way to take one. */
export class BakeryLock implements Lock {
  private lost?: Error
  private timer?: NodeJS.Timeout
  private lastBeat = Date.now()
  private released = false
  /** The heartbeat under way, if any: a release waits for it. */
  private beating?: Promise<void>

  constructor(
    private readonly store: Pick<S3Store, 'exists' | 'writeAtomic' | 'removeCurrent' | 'location'>,
    readonly key: string,
    private readonly body: Buffer,
  ) {}

  get compromised(): Error | undefined {
    return this.lost
  }

  startHeartbeat(everyMs = HEARTBEAT_MS): void {
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined))
    }, everyMs)
    this.timer.unref()
  }

  private async beat(): Promise<void> {
    if (this.released || this.lost) return
    try {
      const exists = await this.store.exists(this.key)
      // Released meanwhile: a refresh now would bring the ticket back after its deletion.
      if (this.released) return
      if (!exists) {
        this.lost = new Error(`${this.store.location}/${this.key} was taken over by another run (this one stalled for more than ${STALE_MS / 1000} s)`)
        return
      }
      await this.store.writeAtomic(this.key, this.body)
      this.lastBeat = Date.now()
    } catch (error) {
      if (Date.now() - this.lastBeat > STALE_MS - HEARTBEAT_MS) this.lost = new Error(`${this.store.location}/${this.key} could not be kept fresh (${errorMessage(error)})`)
    }
  }

  async release(): Promise<void> {
    if (this.released) return
    this.released = true
    clearInterval(this.timer)
    // A refresh under way lands before the ticket is deleted, never after it (a ticket brought back would keep
    // every other host out until it goes stale; s3rver even crashes on the PUT racing the DELETE).
    await this.beating
    await this.store.removeCurrent(this.key).catch(() => undefined)
  }
}

/**
 * Takes the lock `folder` of the state store. `wait`: retry until WAIT_MS has passed (short critical sections);
 * otherwise fail at once with LockedError when another live contender holds it (a whole run).
 */
export async function bakeryLock(store: S3Store, folder: string, options: {wait: boolean; what?: string}): Promise<Lock> {
  const id = writerId()
  const owner = Buffer.from(JSON.stringify({...ownerRecord(), lock: folder, ...(options.what ? {what: options.what} : {})}) + '\n')
  const choosing = `${folder}/c-${id}`
  await store.writeAtomic(choosing, owner, {exclusive: true})
  let ticketKey: string | undefined
  let lock: BakeryLock | undefined
  try {
    const before = await live(store, folder, choosing)
    const highest = Math.max(0, ...before.filter((entry) => entry.name.startsWith('t-')).map((entry) => Number(entry.name.split('-')[1])))
    ticketKey = `${folder}/t-${String(highest + 1).padStart(12, '0')}-${id}`
    await store.writeAtomic(ticketKey, owner, {exclusive: true})
    await store.removeCurrent(choosing)
    lock = new BakeryLock(store, ticketKey, owner)
    lock.startHeartbeat()
    const mine = ticketKey.slice(folder.length + 1)
    const deadline = Date.now() + (options.wait ? WAIT_MS : STALE_MS)
    for (let tried = 0; ; tried++) {
      const others = (await live(store, folder, ticketKey)).filter((entry) => entry.name !== mine)
      const choosers = others.filter((entry) => entry.name.startsWith('c-'))
      const ahead = others.filter((entry) => entry.name.startsWith('t-') && entry.name < mine)
      if (choosers.length === 0 && ahead.length === 0) return lock!
      // A contender still choosing is a matter of milliseconds; a holder ahead is one for `wait` only.
      if ((choosers.length === 0 && !options.wait) || Date.now() > deadline) {
        await lock!.release()
        const holder = ahead[0] && (await readOwner(store, `${folder}/${ahead[0].name}`))
        throw new LockedError(`${store.location}/${folder}`, holder)
      }
      await sleep(Math.min(1000, 20 * 1.5 ** tried))
    }
  } catch (error) {
    await store.removeCurrent(choosing).catch(() => undefined)
    if (lock) await lock.release()
    else if (ticketKey) await store.removeCurrent(ticketKey).catch(() => undefined)
    throw error
  }
}

/**
 * The contenders in `folder` that are alive, stale ones deleted on the way. `self` (the caller's own object, just
 * written or refreshed) is in the listing: the newest LastModified is the server's "now".
 */
async function live(store: S3Store, folder: string, self: string): Promise<Listed[]> {
  const listed: Listed[] = []
  for await (const object of store.objects(`${folder}/`)) listed.push({name: object.key.slice(folder.length + 1), modifiedAt: object.modifiedAt})
  const now = Math.max(...listed.map((entry) => entry.modifiedAt.getTime()))
  const selfName = self.slice(folder.length + 1)
  const alive: Listed[] = []
  for (const entry of listed) {
    if (entry.name !== selfName && (now - entry.modifiedAt.getTime() > STALE_MS || (await deadHere(store, `${folder}/${entry.name}`, entry.name)))) {
      await store.removeCurrent(`${folder}/${entry.name}`).catch(() => undefined)
      continue
    }
    alive.push(entry)
  }
  return alive
}

/** A contender of this host (by its id) whose process is gone holds nothing: no need to wait STALE_MS for it. */
async function deadHere(store: S3Store, key: string, name: string): Promise<boolean> {
  const host = hostName().replace(/[^A-Za-z0-9.-]+/g, '_').slice(0, 64)
  if (!name.includes(`-${host}-`)) return false
  const owner = await readOwner(store, key)
  return owner !== undefined && goneHere(owner)
}

async function readOwner(store: S3Store, key: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse((await store.readFile(key)).toString('utf8')) as LockOwner
  } catch {
    return undefined
  }
}
