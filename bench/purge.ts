// Benchmark: `callrec purge` (journal + certificate) against `find -mtime +N -delete` on identical trees.
// Usage: node --import tsx bench/purge.ts [N] [--before DIR]   (N recordings, default 200,000; half past retention)
// --before DIR also runs the purge of another built checkout (e.g. main) in each round, on its own copy: before and
// after on the same machine in one run.
// Each round also times the purge of an archive audited since its last change (a copy given a state folder and
// audited, untimed, just before): the nightly cron of an archive callrec already manages, its probe cache filled.
//
// Each recording is a small WAV with a sidecar holding its call date (recordedAt, the date callrec goes by);
// both files' mtimes are set to that same date, so that find, which only knows mtimes, selects the same set.
import {execFileSync, spawnSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {fileURLToPath} from 'node:url'
import {wav} from '../test/helpers.ts'

const args = process.argv.slice(2)
const BEFORE = args.includes('--before') ? args.splice(args.indexOf('--before'), 2)[1] : undefined
const N = Number(args[0] ?? 200_000)
const PER_FOLDER = 500
const NOW = new Date('2026-11-23T00:00:00Z')
const OLD = new Date('2025-03-01T10:00:00Z') // past the 6 months of purpose "quality"
const RECENT = new Date('2026-10-01T10:00:00Z')
const FIND_DAYS = 180 // find -mtime +180: older than 180 days, as the cron jobs callrec replaces do
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const BIN = path.join(ROOT, 'bin', 'run.js')

function build(dir: string): void {
  const audio = wav(0.25)
  for (let i = 0; i < N; i++) {
    const folder = path.join(dir, 'calls', String(Math.floor(i / PER_FOLDER)).padStart(4, '0'))
    if (i % PER_FOLDER === 0) mkdirSync(folder, {recursive: true})
    const date = i % 2 === 0 ? OLD : RECENT
    const name = path.join(folder, String(i).padStart(7, '0'))
    writeFileSync(`${name}.wav`, audio)
    writeFileSync(`${name}.json`, JSON.stringify({recordedAt: date.toISOString(), purpose: 'quality', noticePlayed: true, callId: `1700000000.${i}`}))
    utimesSync(`${name}.wav`, date, date)
    utimesSync(`${name}.json`, date, date)
  }
}

function count(dir: string): number {
  return readdirSync(dir, {recursive: true, withFileTypes: true}).filter((entry) => entry.isFile() && !entry.parentPath.includes('.callrec')).length
}

interface Timing {
  /** Seconds from start until the command's own writes are on disk (the command, then sync). */
  wall: number
  /** CPU seconds (user + system) of the command itself. */
  cpu: number
}

/**
 * Times a command, then a sync: find's unlinks sit in the page cache when it exits, while callrec fsyncs
 * its journal and folders, so each pays here for its own writeback (else the next run pays for it).
 */
function timed(command: string, args: string[]): Timing {
  execFileSync('sync')
  const usage = path.join(tmpdir(), `callrec-bench-time-${process.pid}`)
  const start = process.hrtime.bigint()
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S', '-o', usage, command, ...args], {stdio: ['ignore', 'ignore', 'inherit']})
  execFileSync('sync')
  const wall = Number(process.hrtime.bigint() - start) / 1e9
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.status}`)
  const [user, system] = readFileSync(usage, 'utf8').trim().split(/\s+/).map(Number)
  rmSync(usage)
  return {wall, cpu: user + system}
}

type Round = {find: Timing; callrec: Timing; audited: Timing; before?: Timing}

/** One round on fresh copies of the tree: every purge, in the given order, each result checked. */
function round(base: string, work: string, findFirst: boolean): Round {
  const forCallrec = path.join(work, 'callrec')
  const forFind = path.join(work, 'find')
  const forBefore = path.join(work, 'before')
  const forAudited = path.join(work, 'audited')
  for (const copy of [forCallrec, forFind, forAudited, ...(BEFORE ? [forBefore] : [])]) execFileSync('cp', ['-a', base, copy])
  // A copy has new inodes: its cache is filled on the copy itself.
  mkdirSync(path.join(forAudited, '.callrec'))
  const audit = spawnSync(process.execPath, [BIN, 'audit', forAudited, '--format', 'ndjson', '--fail-on', 'never', '--now', NOW.toISOString()], {stdio: ['ignore', 'ignore', 'inherit']})
  if (audit.status !== 0) throw new Error(`the audit before the purge failed: exit ${audit.status}`)
  execFileSync('sync')
  const certificate = path.join(work, 'certificate.json')
  const auditedCertificate = path.join(work, 'certificate-audited.json')
  const runFind = () => timed('find', [forFind, '-type', 'f', '-mtime', `+${FIND_DAYS}`, '-delete'])
  const purge = (bin: string, dir: string, file: string) => () => timed(process.execPath, [bin, 'purge', dir, '--yes', '--now', NOW.toISOString(), '--certificate', file])
  const runCallrec = purge(BIN, forCallrec, certificate)
  const runAudited = purge(BIN, forAudited, auditedCertificate)
  const runBefore = BEFORE ? purge(path.resolve(BEFORE, 'bin', 'run.js'), forBefore, path.join(work, 'certificate-before.json')) : undefined
  const times: Round = findFirst
    ? {find: runFind(), callrec: runCallrec(), audited: runAudited(), ...(runBefore ? {before: runBefore()} : {})}
    : {...(runBefore ? {before: runBefore()} : {}), audited: runAudited(), callrec: runCallrec(), find: runFind()}
  if (BEFORE) {
    rmSync(forBefore, {recursive: true, force: true})
    rmSync(path.join(work, 'certificate-before.json'))
  }
  for (const [tool, dir] of [['callrec', forCallrec], ['callrec after an audit', forAudited], ['find', forFind]]) {
    const left = count(dir)
    if (left !== N) throw new Error(`not the same result: ${tool} left ${left} files; expected ${N}`)
  }
  for (const dir of [forCallrec, forAudited]) {
    const verify = spawnSync(process.execPath, [BIN, 'access-log', 'verify', dir], {encoding: 'utf8'})
    if (verify.status !== 0) throw new Error(`journal does not verify: ${verify.stdout}`)
  }
  for (const dir of [forCallrec, forAudited, forFind]) rmSync(dir, {recursive: true, force: true})
  // the next round's purge would refuse them: a certificate is never overwritten
  for (const file of [certificate, auditedCertificate]) rmSync(file)
  return times
}

const work = mkdtempSync(path.join(tmpdir(), 'callrec-bench-'))
try {
  const base = path.join(work, 'base')
  console.log(`building ${N} recordings (${N * 2} files, half past retention) in ${work}…`)
  build(base)
  console.log(`find: find DIR -type f -mtime +${FIND_DAYS} -delete`)
  console.log(`callrec: callrec purge DIR --yes --certificate FILE (journal: ${N / 2} entries, SHA-256 of each file)`)
  // Each tool runs first once: the disk is not in the same state for the first and the second run.
  const rounds = [round(base, work, true), round(base, work, false)]
  for (const [index, times] of rounds.entries()) {
    const line = (timing: Timing) => `${timing.wall.toFixed(2)} s (cpu ${timing.cpu.toFixed(2)} s)`
    const before = times.before ? `, before ${line(times.before)}, ratio ${(times.before.wall / times.find.wall).toFixed(2)}×` : ''
    const audited = `, after an audit ${line(times.audited)}, ratio ${(times.audited.wall / times.find.wall).toFixed(2)}×`
    console.log(`round ${index + 1} (${index === 0 ? 'find' : 'callrec'} first): find ${line(times.find)}, callrec ${line(times.callrec)}, ratio ${(times.callrec.wall / times.find.wall).toFixed(2)}×${audited}${before}`)
  }
  const total = (tool: 'find' | 'callrec') => rounds.reduce((sum, times) => sum + times[tool].wall, 0)
  console.log(`both rounds: find ${total('find').toFixed(2)} s, callrec ${total('callrec').toFixed(2)} s, ratio callrec/find ${(total('callrec') / total('find')).toFixed(2)}×`)
  const best = (tool: keyof Round) => Math.min(...rounds.map((times) => times[tool]?.wall ?? Infinity))
  const ratio = (tool: keyof Round) => `${best(tool).toFixed(2)} s: ${(best(tool) / best('find')).toFixed(2)}× find's best`
  console.log(`best runs: find ${best('find').toFixed(2)} s; callrec ${ratio('callrec')}; after an audit ${ratio('audited')} (goal ≤ 2×)${BEFORE ? `; before ${ratio('before')}` : ''}`)
} finally {
  rmSync(work, {recursive: true, force: true})
}
