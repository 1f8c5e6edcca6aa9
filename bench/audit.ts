// Benchmark: `callrec audit` against exiftool and against a bare read of the first 4 KiB of every file.
//   node --import tsx bench/audit.ts [N=10000] [--memory]
// Generates N recordings (WAV, 8 kHz 16-bit, ~97 KB) with sidecars in a FreePBX-like tree, warms the page
// cache, then times each reader on the same tree. --memory also audits 1,000 and 100,000 recordings and
// compares peak RSS (findings streamed as ndjson).
import {execFile, spawn} from 'node:child_process'
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {open, readdir} from 'node:fs/promises'
import {tmpdir} from 'node:os'
import path from 'node:path'
import {promisify} from 'node:util'
import pMap from 'p-map'
import {wav} from '../test/helpers.ts'

const N = Number(process.argv.find((arg) => /^\d+$/.test(arg)) ?? 10_000)
const ROOT = path.resolve(import.meta.dirname, '..')
const run = promisify(execFile)

function makeTree(count: number): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'callrec-bench-'))
  writeFileSync(path.join(dir, 'callrec.yml'), 'timezone: Europe/Paris\n')
  const audio = wav(6) // 96 KB, the size of a 6 s G.711-rate PCM call
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
  return entries.filter((entry) => entry.isFile()).map((entry) => path.join(entry.parentPath, entry.name))
}

/** The floor: open, read 4 KiB, close, for every file, 32 at a time. */
async function bareRead(files: string[]): Promise<void> {
  const buffer = Buffer.alloc(4096)
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
  return void buffer
}

async function time(label: string, action: () => Promise<unknown>): Promise<number> {
  let best = Infinity
  for (let round = 0; round < 2; round++) {
    const start = performance.now()
    await action()
    best = Math.min(best, (performance.now() - start) / 1000)
  }
  console.log(`${label.padEnd(34)} ${best.toFixed(2)} s  ${(N / best).toFixed(0).padStart(7)} recordings/s`)
  return best
}

function auditRss(dir: string): Promise<{seconds: number; rssMb: number}> {
  return new Promise((resolve, reject) => {
    const start = performance.now()
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench', 'rss.ts'), 'audit', dir, '--format', 'ndjson', '--fail-on', 'never'], {stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('error', reject)
    child.on('close', () => {
      const rss = /maxRSS_MB=([\d.]+)/.exec(stderr)
      if (!rss) return reject(new Error(stderr))
      resolve({seconds: (performance.now() - start) / 1000, rssMb: Number(rss[1])})
    })
  })
}

const dir = makeTree(N)
try {
  const files = await listFiles(dir)
  console.log(`${N} recordings + ${N} sidecars (${files.length} files) in ${dir}`)
  await bareRead(files) // warm the page cache for every reader alike
  const floor = await time('bare read of 4 KiB per file', () => bareRead(files))
  const callrec = await time('callrec audit --format ndjson', () => run(process.execPath, [path.join(ROOT, 'bin', 'run.js'), 'audit', dir, '--format', 'ndjson', '--fail-on', 'never'], {maxBuffer: 1 << 30}))
  let exiftool: number | undefined
  try {
    exiftool = await time('exiftool -fast -json (audio only)', () => run('exiftool', ['-fast', '-json', '-r', '-ext', 'wav', dir], {maxBuffer: 1 << 30}))
  } catch (error) {
    console.log(`exiftool not run: ${(error as Error).message.split('\n')[0]} (apt-get install libimage-exiftool-perl)`)
  }
  console.log(`callrec / floor    ${(floor / callrec).toFixed(2)} (goal ≥ 0.33)`)
  if (exiftool) console.log(`callrec / exiftool ${(exiftool / callrec).toFixed(1)}× (goal ≥ 10×)`)
} finally {
  rmSync(dir, {recursive: true, force: true})
}

if (process.argv.includes('--memory')) {
  for (const count of [1_000, 100_000]) {
    const tree = makeTree(count)
    try {
      const {seconds, rssMb} = await auditRss(tree)
      console.log(`memory: ${String(count).padStart(6)} recordings  peak RSS ${rssMb} MB  (${seconds.toFixed(1)} s)`)
    } finally {
      rmSync(tree, {recursive: true, force: true})
    }
  }
}
