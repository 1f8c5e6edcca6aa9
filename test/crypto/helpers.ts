import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtemp, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after} from 'node:test'
import {promisify} from 'node:util'
import type {Journal, JournalEvent} from '../../src/journal/types.js'
import {ROOT} from '../helpers.ts'

export const execFileAsync = promisify(execFile)

/** Encrypts a folder's plaintexts in place, in a child process: see the file. */
export const ENCRYPT_CHILD = path.join(ROOT, 'test/crypto/encrypt-child.ts')

/** A fresh folder, removed when the test file ends. */
export async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(tmpdir(), 'callrec-crypto-'))
  after(() => rm(folder, {recursive: true, force: true}))
  return folder
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex')
}

export async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const out: Uint8Array[] = []
  for await (const chunk of chunks) out.push(chunk)
  return Buffer.concat(out)
}

/** Deterministic bytes that do not compress: catches misplaced chunks that all-zero data would hide. */
export function pattern(size: number, seed = 1): Buffer {
  const out = Buffer.alloc(size)
  let state = seed
  for (let i = 0; i < size; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0
    out[i] = state >>> 24
  }
  return out
}

export class MemoryJournal implements Journal {
  readonly events: JournalEvent[] = []
  async append(event: JournalEvent): Promise<void> {
    this.events.push(event)
  }
}
