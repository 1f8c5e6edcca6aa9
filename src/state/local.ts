import {randomBytes} from 'node:crypto'
import {existsSync} from 'node:fs'
import {mkdir, readFile, stat} from 'node:fs/promises'
import path from 'node:path'
import {CallrecError} from '../errors.js'
import {headFileOf} from '../journal/file.js'
import {tryLock, withLock, type Lock} from '../journal/lock.js'
import type {JournalPaths} from '../journal/paths.js'
import {LocalStateFile, type StateFile} from '../journal/state-file.js'
import {LocalStore} from '../store/local.js'
import type {ArchiveState, StatePiece} from './types.js'

/**
 * State in local files (journal/paths.ts says which): the journal and its head file, holds.json, hmac.key and
 * the run lock folder, each locked with proper-lockfile (journal/lock.ts). What a local archive has always had.
 */
export class LocalState implements ArchiveState {
  readonly location: string
  readonly journalName: string
  readonly holdsName: string
  readonly hmacKeyName: string

  constructor(private readonly paths: JournalPaths) {
    this.location = path.dirname(paths.journal)
    this.journalName = paths.journal
    this.holdsName = paths.holds
    this.hmacKeyName = paths.hmacKey
  }

  journalFiles(): {journal: StateFile; head: StateFile} {
    return {journal: new LocalStateFile(this.paths.journal), head: new LocalStateFile(headFileOf(this.paths.journal))}
  }

  async hasJournal(): Promise<boolean> {
    return existsSync(this.paths.journal)
  }

  withLock<T>(piece: StatePiece, fn: (lock: Lock) => Promise<T>): Promise<T> {
    const file = {journal: this.paths.journal, holds: this.paths.holds, hmac: this.paths.hmacKey}[piece]
    return withLock(file, fn)
  }

  tryRunLock(what: string): Promise<Lock> {
    return tryLock(this.paths.archiveLock, what)
  }

  async readHolds(): Promise<{text?: string; version: string}> {
    const file = this.paths.holds
    let text: string
    try {
      text = await readFile(file, 'utf8')
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {version: 'none'}
      throw new CallrecError(`${file}: cannot read the holds file (${(error as NodeJS.ErrnoException).code ?? error})`)
    }
    return {text, version: await this.holdsVersion()}
  }

  /** Inode, size and mtime: each update renames a new file into place, so any change shows. */
  async holdsVersion(): Promise<string> {
    const info = await stat(this.paths.holds, {bigint: true}).catch(() => undefined)
    return info ? `${info.ino}:${info.size}:${info.mtimeNs}` : 'none'
  }

  async writeHolds(bytes: Buffer): Promise<void> {
    const file = this.paths.holds
    await new LocalStore(path.dirname(file)).writeAtomic(path.basename(file), bytes, {mode: 0o640})
  }

  async readHmacKey(): Promise<Buffer | undefined> {
    const file = this.paths.hmacKey
    const info = await stat(file).catch((error: NodeJS.ErrnoException) => (error.code === 'ENOENT' ? undefined : Promise.reject(error)))
    if (!info) return undefined
    if (info.mode & 0o077) throw new CallrecError(`${file}: the HMAC key of caller numbers is readable by others (mode ${(info.mode & 0o777).toString(8)}): chmod 600 ${file}`)
    return parseHmacKey(await readFile(file, 'utf8'), file)
  }

  /** Under the key's lock, so that two first uses at once agree on one key. */
  createHmacKey(): Promise<Buffer> {
    const file = this.paths.hmacKey
    return withLock(file, async () => {
      const existing = await this.readHmacKey()
      if (existing) return existing
      const key = randomBytes(32)
      const folder = path.dirname(file)
      await mkdir(folder, {recursive: true, mode: 0o750})
      await new LocalStore(folder).writeAtomic(path.basename(file), Buffer.from(key.toString('hex') + '\n'), {mode: 0o600})
      return key
    })
  }

  sideFile(name: string): StateFile {
    return new LocalStateFile(path.join(path.dirname(this.paths.journal), name))
  }
}

/** 64 hex digits (a line), as the key is written. */
export function parseHmacKey(text: string, name: string): Buffer {
  const key = Buffer.from(text.trim(), 'hex')
  if (key.length < 32) throw new CallrecError(`${name}: not an HMAC key (64 hex digits expected)`)
  return key
}
