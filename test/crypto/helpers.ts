import {execFile} from 'node:child_process'
import {createHash} from 'node:crypto'
import {mkdtemp, readFile, rm} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {after} from 'node:test'
import {promisify} from 'node:util'
import type {EncryptedFact, EncryptLedger} from '../../src/crypto/encrypt-file.js'
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

/**
 * Runs `command` on a real full disk: `template` is copied into a tmpfs of `size` bytes mounted in private user
 * and mount namespaces (unshare: no privilege needed, nothing visible outside), the command runs with `MOUNT` in
 * its arguments replaced by the tmpfs; its exit code and output come back, and what is left there as name → SHA-256.
 */
export async function onFullDisk(template: string, size: number, command: string[]): Promise<{code: number; stdout: string; stderr: string; files: Record<string, string>}> {
  const mount = await tempFolder()
  const out = await tempFolder()
  const script = `mount -t tmpfs -o size=${size} tmpfs "$1" && cp -a "$2"/. "$1"/ || exit 99
shift 3; "$@" > "${out}/stdout" 2> "${out}/stderr"; echo $? > "${out}/code"
cd "${mount}" && find . -type f -exec sha256sum {} + > "${out}/files"`
  await execFileAsync('unshare', ['--user', '--map-root-user', '--mount', 'sh', '-c', script, 'sh', mount, template, '--', ...command.map((arg) => arg.replaceAll('MOUNT', mount))], {cwd: ROOT})
  const files: Record<string, string> = {}
  for (const line of (await readFile(path.join(out, 'files'), 'utf8')).trim().split('\n').filter(Boolean)) {
    const [hash, name] = line.split(/ +/)
    files[name.replace(/^\.\//, '')] = hash
  }
  const read = (name: string) => readFile(path.join(out, name), 'utf8')
  return {code: Number(await read('code')), stdout: await read('stdout'), stderr: await read('stderr'), files}
}

export class MemoryJournal implements Journal {
  readonly events: JournalEvent[] = []
  async append(event: JournalEvent): Promise<void> {
    this.events.push(event)
  }
}

/** A ledger of encryptions in memory, as the journal keeps them in a run. */
export function memoryLedger(decrypter?: EncryptLedger['decrypter']): EncryptLedger & {facts: EncryptedFact[]} {
  const facts: EncryptedFact[] = []
  const same = (a: EncryptedFact, b: EncryptedFact) => a.key === b.key && a.sha256 === b.sha256 && a.ageSha256 === b.ageSha256
  return {
    facts,
    decrypter,
    record: async (fact) => void facts.push(fact),
    known: async (fact) => facts.some((known) => same(known, fact)),
  }
}
