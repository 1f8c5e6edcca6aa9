// What the shared-state tests share: "hosts" (a HOME, an XDG state folder and a host name of their own), an archive
// of small recordings, and a second process that takes the run lock (state-child.ts).
import {spawn} from 'node:child_process'
import {mkdtempSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {wav, type ArchiveFiles} from '../helpers.ts'

/** A host of its own on this machine, reaching the S3 server through `serverEnv`. */
export function host(name: string, serverEnv: Record<string, string>): Record<string, string> {
  const home = mkdtempSync(path.join(tmpdir(), `callrec-${name}-`))
  return {...serverEnv, HOME: home, XDG_STATE_HOME: path.join(home, 'state'), CALLREC_HOST: name}
}

/** `count` recordings r0.wav… with sidecars: dated, a purpose, a notice, a caller each. */
export const recordings = (count: number): ArchiveFiles =>
  Object.fromEntries(Array.from({length: count}, (_, i) => [[`r${i}.wav`, wav(0.2)], [`r${i}.json`, {recordedAt: '2026-11-02T08:30:00Z', purpose: 'quality', noticePlayed: true, caller: `+3361234567${i}`}]]).flat())

const CHILD = path.join(path.dirname(fileURLToPath(import.meta.url)), 'state-child.ts')

/**
 * Takes the run lock of `location` in another process for `holdMs` (or until release() when 'stdin'): its first line
 * (locked / refused …), and its end.
 */
export function lockHolder(env: Record<string, string>, location: string, holdMs: number | 'stdin') {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, location, String(holdMs)], {env: {...process.env, ...env}, stdio: ['pipe', 'pipe', 'inherit']})
  child.stdin.on('error', () => {}) // released after it exited (it was refused): nothing to tell it
  if (holdMs !== 'stdin') child.stdin.end()
  let output = ''
  child.stdout.on('data', (chunk) => (output += chunk))
  const first = new Promise<string>((resolve) => child.stdout.on('data', () => output.includes('\n') && resolve(output.split('\n')[0])))
  const done = new Promise<{code: number | null; output: string}>((resolve) => child.once('exit', (code) => resolve({code, output})))
  return {child, first, done, release: () => child.stdin.end()}
}
