// For the attack tests: the real CLI in a child process, watched from outside (which files it has open),
// big sparse recordings that take seconds to hash, and the archive's journal as written.
import {spawn, type ChildProcess} from 'node:child_process'
import {existsSync, readFileSync, readdirSync, readlinkSync, truncateSync, writeFileSync} from 'node:fs'
import path from 'node:path'
import {BIN, wav} from '../helpers.ts'

export interface Run {
  child: ChildProcess
  done: Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}>
}

/** Starts `callrec ARGS` as a user would; `uid` runs it as that user (root ignores file modes). */
export function start(args: string[], options: {uid?: number} = {}): Run {
  const ids = options.uid === undefined ? {} : {uid: options.uid, gid: options.uid}
  const child = spawn(process.execPath, [BIN, ...args], {env: {...process.env, NO_COLOR: '1', HOME: '/tmp'}, stdio: ['ignore', 'pipe', 'pipe'], ...ids})
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (data) => (stdout += data))
  child.stderr!.on('data', (data) => (stderr += data))
  const done = new Promise<{code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string}>((resolve) =>
    child.on('close', (code, signal) => resolve({code, signal, stdout, stderr})),
  )
  return {child, done}
}

/** Whether process `pid` has a file whose path ends with `suffix` open right now (from /proc/PID/fd). */
export function hasOpen(pid: number, suffix: string): boolean {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`).endsWith(suffix)
      } catch {
        return false
      }
    })
  } catch {
    return false
  }
}

/** Polls `condition` every few ms until it holds (true) or `ms` pass (false). */
export async function waitFor(condition: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((resolve) => setTimeout(resolve, 5))) if (condition()) return true
  return condition()
}

/** A WAV header followed by a hole: `size` bytes that take no disk space but seconds to read. */
export function sparseWav(file: string, size: number): void {
  writeFileSync(file, wav(0.01))
  truncateSync(file, size)
}

export function journalOf(dir: string): any[] {
  const file = path.join(dir, '.callrec/journal.jsonl')
  return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) : []
}

/**
 * Keys journaled as purged and not undone. Every file that a purge removed must be among them; a key
 * journaled twice means two runs claimed one deletion.
 */
export function purgedKeys(dir: string): string[] {
  const entries = journalOf(dir).filter((entry) => entry.action === 'purge')
  const undone = new Set(entries.filter((entry) => entry.outcome === 'failed').map((entry) => entry.details.undoes))
  return entries.filter((entry) => entry.outcome === 'ok' && !undone.has(entry.seq)).flatMap((entry) => entry.keys)
}
