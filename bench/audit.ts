// Benchmark: `callrec audit` against a bare read of the first 4 KiB of every file (the floor), exiftool, and, for
// the re-audit of an unchanged archive (probe cache), `find DIR -printf '%s %T@\n'`.
//   node --import tsx bench/audit.ts [N=10000] [--rounds 3] [--before DIR] [--cache-only] [--memory 1000,100000,1000000] [--memory-only]
// N recordings (WAV 8 kHz 16-bit: 96 KB for N ≤ 20,000, else 4 KB to keep big trees small) with sidecars in a
// FreePBX-like tree in /tmp. Each round runs every reader once, back to back, in the same order; medians are
// printed with the load average. --before DIR also runs the CLI of another checkout (built, e.g. main) in each
// round: before and after on the same machine in one run (for the re-audit, on a copy of the tree with a cache of
// its own). --memory builds trees of those sizes (4 KB WAVs) and prints the CLI's peak RSS (GNU time) for a cold
// audit and a cached re-audit.
import {execFile, execFileSync} from 'node:child_process'
import {mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {open, readdir} from 'node:fs/promises'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import pMap from 'p-map'
import {wav} from '../test/helpers.ts'

const args = process.argv.slice(2)
const option = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined)
const N = Number(args.find((arg, index) => /^\d+$/.test(arg) && !/^--/.test(args[index - 1] ?? '')) ?? 10_000)
const ROUNDS = Number(option('--rounds') ?? 3)
const BEFORE = option('--before')
/** Only the re-audit of an unchanged archive against find (big trees, where cold runs take long). */
const CACHE_ONLY = args.includes('--cache-only')
const ROOT = path.resolve(import.meta.dirname, '..')

function makeTree(count: number, seconds: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-bench-'))
  writeFileSync(path.join(dir, 'callrec.yml'), 'timezone: Europe/Paris\n')
  const audio = wav(seconds)
  for (let i = 0; i < count; i++) {
    const day = new Date(Date.UTC(2026, 0, 1) + Math.floor(i / 100) * 86_400_000)
    const ymd = day.toISOString().slice(0, 10).replaceAll('-', '')
    const folder = path.join(dir, 'monitor', ymd.slice(0, 4), ymd.slice(4, 6), ymd.slice(6, 8))
    if (i % 100 === 0) mkdirSync(folder, {recursive: true})
    const base = `in-0140000000-06${String(i).padStart(8, '0')}-${ymd}-103000-${1767261600 + i}.${i}`
    writeFileSync(path.join(folder, base + '.wav'), audio)
    writeFileSync(path.join(folder, base + '.json'), JSON.stringify({recordedAt: day.toISOString(), purpose: 'quality', noticePlayed: true, agent: String(1000 + (i % 50))}))
  }
  return dir
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, {recursive: true, withFileTypes: true})
  return entries.filter((entry) => entry.isFile() && !entry.parentPath.includes('.callrec')).map((entry) => path.join(entry.parentPath, entry.name))
}

/** The floor: open, read 4 KiB, close, for every file, 32 at a time. */
async function bareRead(files: string[]): Promise<void> {
  await pMap(
    files,
    async (file) => {
      const handle = await open(file, 'r')
      try {
        await handle.read(Buffer.allocUnsafe(4096), 0, 4096, 0)
      } finally {
        await handle.close()
      }
    },
    {concurrency: 32},
  )
}

interface Run {
  wall: number
  cpu: number
  rssMb: number
}

/** A command under GNU time: wall, CPU (user + system) and peak RSS of the command itself; stdout discarded. */
function timed(command: string, commandArgs: string[]): Promise<Run> {
  const usage = path.join(tmpdir(), `callrec-bench-time-${process.pid}`)
  const start = performance.now()
  return new Promise((resolve, reject) => {
    const child = execFile('/usr/bin/time', ['-f', '%U %S %M', '-o', usage, 'sh', '-c', '"$@" > /dev/null', 'sh', command, ...commandArgs], (error) => {
      const wall = (performance.now() - start) / 1000
      if (error && error.code !== 1) return reject(error)
      const [user, system, rssKb] = readFileSync(usage, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
      rmSync(usage, {force: true})
      resolve({wall, cpu: user + system, rssMb: rssKb / 1024})
    })
    child.stdin?.end()
  })
}

async function inProcess(action: () => Promise<unknown>): Promise<Run> {
  const start = performance.now()
  const cpu = process.cpuUsage()
  await action()
  const used = process.cpuUsage(cpu)
  return {wall: (performance.now() - start) / 1000, cpu: (used.user + used.system) / 1e6, rssMb: 0}
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]
const audit = (bin: string, dir: string, ...extra: string[]) => timed(process.execPath, [path.join(bin, 'bin', 'run.js'), 'audit', dir, '--format', 'ndjson', '--fail-on', 'never', ...extra])
const load = () => loadavg()[0].toFixed(1)

async function throughput(): Promise<void> {
  const seconds = N <= 20_000 ? 6 : 0.25
  const dir = makeTree(N, seconds)
  // Another checkout's cache has another version (each would empty the other's): it re-audits a copy of the tree.
  const beforeDir = BEFORE ? `${dir}-before` : undefined
  try {
    const files = await listFiles(dir)
    console.log(`${N} recordings (WAV ${seconds} s) + ${N} sidecars (${files.length} files) in ${dir}; ${ROUNDS} rounds; load ${load()} at start`)
    await bareRead(files) // warm the page cache for every reader alike
    if (beforeDir) execFileSync('cp', ['-a', dir, beforeDir])
    const runs = new Map<string, Run[]>()
    const add = (label: string, run: Run) => runs.set(label, [...(runs.get(label) ?? []), run])
    for (let round = 0; round < ROUNDS; round++) {
      if (!CACHE_ONLY) {
        add('bare read of 4 KiB per file (floor)', await inProcess(() => bareRead(files)))
        // --no-cache: a checkout of other code has another cache version, and would empty this one's cache.
        if (BEFORE) add(`callrec audit, before (${path.basename(BEFORE)})`, await audit(BEFORE, dir, '--no-cache'))
        add('callrec audit --no-cache (cold)', await audit(ROOT, dir, '--no-cache'))
        if (round === 0) add('exiftool -fast -json (audio only)', await timed('exiftool', ['-fast', '-json', '-r', '-ext', 'wav', dir]))
      }
      add("find DIR -printf '%s %T@\\n'", await timed('find', [dir, '-printf', '%s %T@\\n']))
      // What Node alone costs for the same: list and lstat every file, and start the CLI (`callrec --version`).
      add('node: list + lstat every file (bench/stat-floor.js)', await timed(process.execPath, [path.join(ROOT, 'bench', 'stat-floor.js'), dir]))
      add('callrec --version (start-up)', await timed(process.execPath, [path.join(ROOT, 'bin', 'run.js'), '--version']))
      // The cache lives in the archive's state folder: give it one, fill it once, then time re-audits.
      for (const [bin, tree, label] of [...(BEFORE && beforeDir ? [[BEFORE, beforeDir, `, before (${path.basename(BEFORE)})`]] : []), [ROOT, dir, '']]) {
        mkdirSync(path.join(tree, '.callrec'), {recursive: true})
        if (round === 0) await audit(bin, tree)
        add(`callrec audit, unchanged archive (cache)${label}`, await audit(bin, tree))
      }
      console.log(`  round ${round + 1} done, load ${load()}`)
    }
    console.log(`\n| ${N.toLocaleString('en')} recordings, medians of ${ROUNDS}, load ${load()} | wall | recordings/s | CPU | peak RSS |\n| --- | --- | --- | --- | --- |`)
    for (const [label, list] of runs) {
      const wall = median(list.map((run) => run.wall))
      const rss = median(list.map((run) => run.rssMb))
      console.log(`| ${label} | ${wall.toFixed(2)} s | ${Math.round(N / wall).toLocaleString('en')} | ${median(list.map((run) => run.cpu)).toFixed(2)} s | ${rss ? `${rss.toFixed(0)} MB` : ''} |`)
    }
    const wall = (label: string) => median(runs.get(label)!.map((run) => run.wall))
    const find = wall("find DIR -printf '%s %T@\\n'")
    console.log(`re-audit with the cache / find = ${(wall('callrec audit, unchanged archive (cache)') / find).toFixed(2)}× (goal ≤ 2×)`)
    if (BEFORE) console.log(`re-audit: before / after = ${(wall(`callrec audit, unchanged archive (cache), before (${path.basename(BEFORE)})`) / wall('callrec audit, unchanged archive (cache)')).toFixed(2)}×`)
    const nodeFloor = wall('node: list + lstat every file (bench/stat-floor.js)') + wall('callrec --version (start-up)')
    console.log(`Node's own floor (list + lstat every file, plus the CLI's start-up) / find = ${(nodeFloor / find).toFixed(2)}×, before any file is judged`)
    if (CACHE_ONLY) return
    const floor = wall('bare read of 4 KiB per file (floor)')
    const cold = wall('callrec audit --no-cache (cold)')
    console.log(`\ncold: callrec / floor = ${(floor / cold).toFixed(2)} (goal ≥ 0.5); exiftool / callrec = ${(wall('exiftool -fast -json (audio only)') / cold).toFixed(1)}× (goal ≥ 5×)`)
    if (BEFORE) console.log(`before / after (cold) = ${(wall(`callrec audit, before (${path.basename(BEFORE)})`) / cold).toFixed(2)}×`)
  } finally {
    for (const tree of [dir, beforeDir]) if (tree) rmSync(tree, {recursive: true, force: true})
  }
}

async function memory(counts: number[]): Promise<void> {
  console.log(`\n| recordings (WAV 4 KB + sidecar) | cold audit: peak RSS | time | re-audit with the cache: peak RSS | time | load |\n| --- | --- | --- | --- | --- | --- |`)
  for (const count of counts) {
    const tree = makeTree(count, 0.25)
    try {
      const cold = await audit(ROOT, tree, '--no-cache')
      mkdirSync(path.join(tree, '.callrec'), {recursive: true})
      await audit(ROOT, tree) // fills the cache
      const cached = await audit(ROOT, tree)
      console.log(`| ${count.toLocaleString('en')} | ${cold.rssMb.toFixed(0)} MB | ${cold.wall.toFixed(1)} s | ${cached.rssMb.toFixed(0)} MB | ${cached.wall.toFixed(1)} s | ${load()} |`)
    } finally {
      rmSync(tree, {recursive: true, force: true})
    }
  }
}

if (!args.includes('--memory-only')) await throughput()
const counts = option('--memory')
if (counts) await memory(counts.split(',').map(Number))
