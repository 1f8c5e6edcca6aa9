// Benchmark: `callrec encrypt --yes` of one big file through the CLI (in place: temp file, fsync, rename, journal,
// plaintext removed), against `age -r R -o OUT IN` followed by `sync OUT` (age does not fsync): what a user runs.
//   node --import tsx bench/encrypt-cli.ts [MB=1024] [ROUNDS=3] [--before DIR]
// Rounds alternate which tool goes first; each run starts after a `sync` and gets a fresh copy of the plaintext
// (made untimed). Wall time, CPU (GNU time) and peak RSS per run; the ratio is age's best wall / callrec's best.
// --before DIR also runs the CLI of another built checkout in each round (before/after in one run).
import {execFileSync, spawnSync} from 'node:child_process'
import {copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {loadavg, tmpdir} from 'node:os'
import path from 'node:path'
import {newIdentity} from '../src/crypto/identity.js'

const args = process.argv.slice(2)
const BEFORE = args.includes('--before') ? args.splice(args.indexOf('--before'), 2)[1] : undefined
const [MB, ROUNDS] = [Number(args[0] ?? 1024), Number(args[1] ?? 3)]
const BIN = path.resolve(import.meta.dirname, '..', 'bin', 'run.js')

interface Run {
  wall: number
  cpu: number
  rssMb: number
}

function timed(command: string, args: string[], then?: string[]): Run {
  execFileSync('sync')
  const usage = path.join(tmpdir(), `callrec-bench-time-${process.pid}`)
  const start = performance.now()
  const result = spawnSync('/usr/bin/time', ['-f', '%U %S %M', '-o', usage, command, ...args], {stdio: ['ignore', 'ignore', 'inherit']})
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: exit ${result.status}`)
  if (then) execFileSync(then[0], then.slice(1))
  const wall = (performance.now() - start) / 1000
  const [user, system, rssKb] = readFileSync(usage, 'utf8').trim().split('\n').pop()!.split(' ').map(Number)
  rmSync(usage, {force: true})
  return {wall, cpu: user + system, rssMb: rssKb / 1024}
}

const folder = mkdtempSync(path.join(tmpdir(), 'callrec-bench-encrypt-cli-'))
try {
  const {recipient} = await newIdentity()
  const source = path.join(folder, 'source.bin')
  writeFileSync(source, execFileSync('head', ['-c', String(MB * 1024 * 1024), '/dev/urandom'], {maxBuffer: MB * 1024 * 1024 + 1}))
  const archive = path.join(folder, 'archive')
  execFileSync('mkdir', ['-p', archive])
  writeFileSync(path.join(archive, 'callrec.yml'), `encryption:\n  recipients:\n    - ${recipient}\n`)
  const plain = path.join(archive, 'call.wav')
  const out = path.join(folder, 'age.out')
  const runs: Record<string, Run[]> = {age: [], callrec: [], before: []}
  const age = () => {
    copyFileSync(source, plain)
    runs.age.push(timed('age', ['-r', recipient, '-o', out, plain], ['sync', out]))
    rmSync(out)
    rmSync(plain)
  }
  const cli = (name: string, bin: string) => () => {
    copyFileSync(source, plain)
    runs[name].push(timed(process.execPath, [bin, 'encrypt', archive, '--yes']))
    rmSync(plain + '.age')
  }
  const callrec = cli('callrec', BIN)
  const before = BEFORE ? [cli('before', path.resolve(BEFORE, 'bin', 'run.js'))] : []
  console.log(`${MB} MB, ${ROUNDS} rounds, load ${loadavg()[0].toFixed(1)} at start`)
  for (let round = 0; round < ROUNDS; round++) {
    for (const run of round % 2 === 0 ? [age, callrec, ...before] : [...before, callrec, age]) run()
    const last = (name: string) => runs[name].at(-1)!
    console.log(`  round ${round + 1}: age + sync ${last('age').wall.toFixed(2)} s (cpu ${last('age').cpu.toFixed(2)} s), callrec ${last('callrec').wall.toFixed(2)} s (cpu ${last('callrec').cpu.toFixed(2)} s, ${last('callrec').rssMb.toFixed(0)} MB); load ${loadavg()[0].toFixed(1)}`)
  }
  const best = (name: string) => Math.min(...runs[name].map((run) => run.wall))
  if (BEFORE) console.log(`before (${BEFORE}): runs ${runs.before.map((run) => `${run.wall.toFixed(2)} s (cpu ${run.cpu.toFixed(2)} s, ${run.rssMb.toFixed(0)} MB)`).join(', ')}; best ${best('before').toFixed(2)} s: before / age speed = ${(best('age') / best('before')).toFixed(2)}`)
  console.log(`best: age + sync ${best('age').toFixed(2)} s, callrec encrypt --yes ${best('callrec').toFixed(2)} s: callrec / age speed = ${(best('age') / best('callrec')).toFixed(2)} (goal ≥ 0.5)`)
} finally {
  rmSync(folder, {recursive: true, force: true})
}
