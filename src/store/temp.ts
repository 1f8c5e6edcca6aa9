// Temp files of atomic writes (`.callrec-tmp-PID-START-HOST-RANDOM`): removed when the run is interrupted
// (SIGINT, SIGTERM), and swept by a later run once their writer is gone, told by its pid, the start time
// of that process (pids are reused) and a tag of its host (on a shared folder, another host's pid says nothing).
import {createHash, randomBytes} from 'node:crypto'
import {readFileSync, unlinkSync} from 'node:fs'
import {hostname} from 'node:os'

const PREFIX = '.callrec-tmp-'
const HOST = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)

/** Start time of a process in clock ticks since boot (/proc/PID/stat, field 22); undefined when there is no such process. */
function startTimeOf(pid: number | 'self'): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'latin1')
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
  } catch {
    return undefined
  }
}

const SELF = `${process.pid}-${startTimeOf('self') ?? '0'}-${HOST}`

export const isTempName = (name: string) => name.startsWith(PREFIX)

/** A fresh temp name for this process. */
export function tempName(): string {
  return `${PREFIX}${SELF}-${randomBytes(4).toString('hex')}`
}

/** Whether the process that wrote this temp file is gone: false when unsure (another host, a name of another shape). */
export function writerGone(name: string): boolean {
  const match = /^\.callrec-tmp-(\d+)-(\d+)-([0-9a-f]{8})-[0-9a-f]+$/.exec(name)
  if (!match || match[3] !== HOST) return false
  return startTimeOf(Number(match[1])) !== match[2]
}

// Temps being written, by a path through their pinned folder (valid while the write runs).
const live = new Set<Buffer>()
let softStop: (() => void) | undefined
let installed = false

function onSignal(): void {
  if (softStop) {
    // First signal: the command stops starting new work and lets what is in flight finish.
    const stop = softStop
    softStop = undefined
    stop()
    return
  }
  removeLiveTemps()
  process.exit(130)
}

function listen(): void {
  if (installed) return
  installed = true
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal)
}

/** Removes every temp file this process is writing; for the exit path of an interrupted run. */
export function removeLiveTemps(): void {
  for (const path of live) {
    try {
      unlinkSync(path)
    } catch {}
  }
  live.clear()
}

/** Tracks a temp file being written; the returned function stops tracking it (renamed, or removed). */
export function trackTemp(path: Buffer): () => void {
  listen()
  live.add(path)
  return () => live.delete(path)
}

/**
 * The first SIGINT/SIGTERM calls `stop` (finish what is in flight, start nothing new); a second one removes
 * the temp files being written and exits 130. Returns the function that ends this mode.
 */
export function stopGently(stop: () => void): () => void {
  listen()
  softStop = stop
  return () => {
    if (softStop === stop) softStop = undefined
  }
}
